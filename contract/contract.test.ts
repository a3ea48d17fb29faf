import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ATTR, buildEvent, EVENT_NAMES, EVENT_SPECS, REASONS, validateEvent } from './index'
import { renderSemanticConventions } from './docs'

const base = { [ATTR.flowId]: 'f1', [ATTR.factor]: 'totp', [ATTR.outcome]: 'success' }

describe('validateEvent', () => {
  it.each([
    [{ ...base, 'event.name': 'mfa.challenge.verified' }, true, ''],
    [{ ...base, 'event.name': 'mfa.challenge.verified', [ATTR.reason]: 'ok' }, true, ''],
    [{ ...base, 'event.name': 'mfa.challenge.verified', [ATTR.reason]: 'break_glass' }, false, 'reason "break_glass"'],
    [{ ...base, 'event.name': 'mfa.challenge.verified', [ATTR.outcome]: 'maybe' }, false, 'mfa.outcome'],
    [{ 'event.name': 'mfa.challenge.verified', [ATTR.factor]: 'totp' }, false, 'missing required attribute mfa.flow_id'],
    [{ ...base, 'event.name': 'mfa.nope' }, false, 'unknown event name'],
    [{ ...base, 'event.name': 'mfa.challenge.verified', [ATTR.userHash]: 'alice@example.com' }, false, 'HMAC'],
    [{ ...base, 'event.name': 'mfa.challenge.verified', [ATTR.latencyMs]: -1 }, false, 'mfa.latency_ms'],
    [{ ...base, 'event.name': 'mfa.challenge.verified', 'vendor.extra': 'kept' }, true, ''],
  ])('case %#', (attrs, ok, msg) => {
    const r = validateEvent(attrs as Record<string, unknown>)
    expect(r.ok).toBe(ok)
    if (!r.ok) expect(r.error).toContain(msg)
  })
})

describe('buildEvent', () => {
  it('fills id and version and refuses contract violations', () => {
    const e = buildEvent('mfa.login.completed', { [ATTR.flowId]: 'f', [ATTR.outcome]: 'success' }, () => 'id-1')
    expect(e).toMatchObject({ 'event.id': 'id-1', 'event.name': 'mfa.login.completed', 'mfa.schema_version': '1.0.0' })
    expect(() => buildEvent('mfa.login.completed', { [ATTR.flowId]: 'f' })).toThrow(/mfa.outcome/)
  })
  it('every event has a spec and reasons', () => {
    for (const n of EVENT_NAMES) {
      expect(EVENT_SPECS[n].required.length).toBeGreaterThan(0)
      expect(REASONS[n].length).toBeGreaterThan(0)
    }
  })
})

describe('docs/semantic-conventions.md', () => {
  it('is generated from the contract (run npm run docs:contract)', () => {
    const onDisk = readFileSync(new URL('../docs/semantic-conventions.md', import.meta.url), 'utf8')
    expect(onDisk).toBe(renderSemanticConventions())
  })
})
