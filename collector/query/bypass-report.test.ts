import { describe, expect, it } from 'vitest'
import { buildExemptions, EXPIRING_WITHIN_S, type ExemptionStep, exemptionOf } from './bypass-report'

const H = 3_600_000
const TO = 100 * H
const x = (ms: number, reason: string, extra: Partial<ExemptionStep> = {}): ExemptionStep =>
  ({ ms, reason, request_id: 'e1', kind: 'policy_exempt', user_hash: 'u', user_group: 'vendor', requester_hash: 'req', approver_hash: '', duration_s: 7 * 24 * 3600, ...extra })
const approved = (ms: number, durationS: number, extra: Partial<ExemptionStep> = {}) => x(ms, 'approved', { approver_hash: 'app', duration_s: durationS, ...extra })

describe('exemptionOf: the latest step wins, expiry from approval + duration against the report end', () => {
  it.each<[string, ExemptionStep[], number, string, string | null]>([
    ['requested only', [x(90 * H, 'requested')], 0, 'open', null],
    ['approved, a week left', [x(90 * H, 'requested'), approved(91 * H, 7 * 24 * 3600)], 0, 'active', null],
    ['approved, ends within 24 h', [x(90 * H, 'requested'), approved(91 * H, 12 * 3600)], 0, 'expiring', null],
    ['approved, past its end without an expired event', [x(90 * H, 'requested'), approved(91 * H, 3600)], 0, 'expired', new Date(92 * H).toISOString()],
    ['expired event', [approved(91 * H, 3600), x(92 * H, 'expired')], 0, 'expired', new Date(92 * H).toISOString()],
    ['denied', [x(90 * H, 'requested'), x(91 * H, 'denied', { approver_hash: 'app' })], 0, 'denied', new Date(91 * H).toISOString()],
    ['revoked while active', [approved(91 * H, 7 * 24 * 3600), x(95 * H, 'revoked')], 0, 'revoked', new Date(95 * H).toISOString()],
    ['an admin override used at a sign-in', [approved(91 * H, 24 * 3600, { kind: 'admin_override' })], 1, 'used', null],
    ['an admin override not used yet', [approved(91 * H, 48 * 3600, { kind: 'admin_override' })], 0, 'active', null],
    ['steps out of order', [x(92 * H, 'revoked'), approved(91 * H, 7 * 24 * 3600), x(90 * H, 'requested')], 0, 'revoked', new Date(92 * H).toISOString()],
  ])('%s', (_name, steps, uses, status, ended) => {
    const e = exemptionOf(steps, uses, TO)
    expect([e.status, e.ended_at]).toEqual([status, ended])
  })

  it('carries kind, requester, approver, duration and the times', () => {
    const e = exemptionOf([x(90 * H, 'requested', { kind: 'break_glass', duration_s: 3600 }), approved(90 * H + 60_000, 1800, { kind: 'break_glass' })], 2, TO)
    expect(e).toEqual({
      request_id: 'e1', kind: 'break_glass', status: 'expired', user_hash: 'u', user_group: 'vendor', requester_hash: 'req', approver_hash: 'app', duration_s: 1800,
      requested_at: new Date(90 * H).toISOString(), approved_at: new Date(90 * H + 60_000).toISOString(), expires_at: new Date(90 * H + 60_000 + 1_800_000).toISOString(),
      ended_at: new Date(90 * H + 60_000 + 1_800_000).toISOString(), uses: 2,
    })
  })

  it('expiring means within EXPIRING_WITHIN_S of the end', () => {
    expect(exemptionOf([approved(TO - H, EXPIRING_WITHIN_S + 1800)], 0, TO).status).toBe('expiring')
    expect(exemptionOf([approved(TO - H, EXPIRING_WITHIN_S + 3 * 3600)], 0, TO).status).toBe('active')
  })
})

describe('buildExemptions', () => {
  it('keeps what touched the window or is still live, latest first; drops what ended before it', () => {
    const w = { fromMs: 90 * H, toMs: TO, stepS: 3600 }
    const rows = buildExemptions(w, [
      x(10 * H, 'requested', { request_id: 'old' }), x(11 * H, 'denied', { request_id: 'old' }),
      approved(50 * H, 7 * 24 * 3600, { request_id: 'live' }),
      approved(80 * H, 12 * 3600, { request_id: 'ended-in-window' }),
      x(95 * H, 'requested', { request_id: 'new' }),
      x(96 * H, 'requested', { request_id: '' }),
    ], new Map())
    expect(rows.map((e) => [e.request_id, e.status])).toEqual([['new', 'open'], ['ended-in-window', 'expired'], ['live', 'active']])
  })
})
