import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ATTR, EVENT_NAMES, EVENT_SPECS, MfaAttributes, REASONS, validateEvent } from '../../contract'
import { compileSchema, contractError, contractOk } from './contract-check'

/** A valid value for every contract attribute (the contract's own enums where it has them). */
const GOOD: Record<string, unknown> = {
  [ATTR.eventId]: 'e-1', [ATTR.schemaVersion]: '1.0.0', [ATTR.flowId]: 'flow-1', [ATTR.factor]: 'sms', [ATTR.provider]: 'twilio',
  [ATTR.channel]: 'sms', [ATTR.outcome]: 'success', [ATTR.latencyMs]: 1200, [ATTR.attempt]: 1, [ATTR.userHash]: 'abcdef0123456789',
  [ATTR.userGroup]: 'admin', [ATTR.region]: 'eu-west', [ATTR.country]: 'DE', [ATTR.client]: 'web', [ATTR.riskLevel]: 'low',
  [ATTR.costMicros]: 7500, [ATTR.gamedayId]: 'gd-1', [ATTR.intent]: 'login', [ATTR.providerMessageId]: 'SM1', [ATTR.httpStatusClass]: '2xx',
  [ATTR.fallbackFrom]: 'twilio', [ATTR.fallbackTo]: 'vonage', [ATTR.circuitState]: 'open', [ATTR.circuitFromState]: 'closed',
  [ATTR.enrolledCount]: 3, [ATTR.totalCount]: 9, [ATTR.faultId]: 'f-1', [ATTR.faultKind]: 'error', [ATTR.faultShare]: 0.5, [ATTR.faultScope]: 'all',
  [ATTR.network]: '203.0.113.0/24', [ATTR.riskSignals]: 'new_device,known_bad_ip', [ATTR.requestId]: 'req-1', [ATTR.requesterHash]: '0123456789abcdef',
  [ATTR.approverHash]: 'fedcba9876543210', [ATTR.durationS]: 3600, [ATTR.bypassKind]: 'break_glass',
}

/** The contract's examples: each event with its required attributes, and with every attribute. */
function examples(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const name of EVENT_NAMES) {
    const required = Object.fromEntries(EVENT_SPECS[name].required.map((k) => [k, GOOD[k]]))
    for (const reason of REASONS[name]) out.push({ [ATTR.eventName]: name, ...GOOD, [ATTR.reason]: reason })
    out.push({ [ATTR.eventName]: name, ...required, [ATTR.reason]: REASONS[name][0] })
    if (!EVENT_SPECS[name].required.includes(ATTR.reason)) out.push({ [ATTR.eventName]: name, ...required })
  }
  return out
}

/** Deterministic PRNG (mulberry32) so a failure names a reproducible case. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Values that sit on or beside the contract's edges: types, lengths, ranges, patterns, enums. */
const ODD: unknown[] = [
  undefined, null, '', ' ', 'x', 'A'.repeat(2), 'a'.repeat(15), 'a'.repeat(16), 'a'.repeat(64), 'a'.repeat(65), 'x'.repeat(128), 'x'.repeat(129),
  'ABCDEF0123456789', 'abcdef012345678g', 'de', 'DEU', 'SMS', 'sms ', 'success', 'ok', 'break_glass', 'error', 'open', 'half_open', 'admin', '2xx',
  0, -0, 1, -1, 0.5, 1.5, 2, 65_535, 65_536, 4_294_967_295, 4_294_967_296, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MIN_VALUE,
  NaN, Infinity, -Infinity, '12', true, false, [], ['sms'], {}, { a: 1 },
]

function mutate(base: Record<string, unknown>, r: () => number): Record<string, unknown> {
  const keys = [...Object.values(ATTR), 'vendor.extra']
  const out = { ...base }
  const n = 1 + Math.floor(r() * 3)
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(r() * keys.length)]
    const pick = r()
    if (pick < 0.15) delete out[key]
    else if (pick < 0.25 && key !== ATTR.eventName) out[key] = GOOD[key]
    else if (pick < 0.35) { const names = [...EVENT_NAMES, 'mfa.nope', 'gameday.x']; out[ATTR.eventName] = names[Math.floor(r() * names.length)] }
    else if (pick < 0.45) { const all = Object.values(REASONS).flat(); out[ATTR.reason] = all[Math.floor(r() * all.length)] }
    else out[key] = ODD[Math.floor(r() * ODD.length)]
  }
  return out
}

describe('compiled contract checks', () => {
  it('accept every example of the contract', () => {
    for (const e of examples()) {
      expect(validateEvent(e).ok, JSON.stringify(e)).toBe(true)
      expect(contractOk(e), JSON.stringify(e)).toBe(true)
    }
  })

  it('accept and refuse exactly what the zod schemas do over 40,000 fuzzed variations', () => {
    const r = rng(11)
    const base = examples()
    let refused = 0
    for (let i = 0; i < 40_000; i++) {
      const e = mutate(base[Math.floor(r() * base.length)], r)
      const zod = validateEvent(e)
      if (contractOk(e) !== zod.ok) expect.fail(`disagree on case ${i}: ${JSON.stringify(e, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`)
      if (!zod.ok) {
        refused++
        expect(contractError(e)).toBe(zod.error)
      } else expect(contractError(e)).toBeNull()
    }
    // Both sides of the boundary are exercised.
    expect(refused).toBeGreaterThan(10_000)
    expect(refused).toBeLessThan(38_000)
  })

  it('agree per attribute with each zod schema of the contract over the edge values', () => {
    for (const [key, schema] of Object.entries(MfaAttributes.shape)) {
      const check = compileSchema(schema as z.ZodType, key)
      for (const v of [...ODD, GOOD[key]]) expect(check(v), `${key} = ${String(v)}`).toBe((schema as z.ZodType).safeParse(v).success)
    }
  })

  it('refuses at start-up a schema it cannot compile, instead of passing it', () => {
    expect(() => compileSchema(z.string().email(), 'x')).toThrow(/cannot compile/)
    expect(() => compileSchema(z.array(z.string()), 'x')).toThrow(/cannot compile zod type array/)
  })
})
