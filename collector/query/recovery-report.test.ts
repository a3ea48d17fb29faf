import { describe, expect, it } from 'vitest'
import { buildRecoveryReport, MANY_FROM_ONE_NETWORK, type RecoveryStep, type UserContext } from './recovery-report'

const H = 3_600_000
const W = { fromMs: 10 * H, toMs: 20 * H, stepS: 3600 }
const step = (ms: number, reason: string, user: string, extra: Partial<RecoveryStep> = {}): RecoveryStep =>
  ({ ms, reason, factor: 'admin_recovery', user_hash: user, country: 'DE', risk_level: 'low', request_id: '', network: '', risk_signals: [], ...extra })
const noCtx = new Map<string, UserContext>()

describe('buildRecoveryReport', () => {
  it.each<[string, RecoveryStep[], Map<string, UserContext>, string[]]>([
    ['a factor change 2 days before', [step(12 * H, 'requested', 'u')], new Map([['u', { changes: [12 * H - 48 * H], logins: [] }]]), ['after_factor_change']],
    ['a factor change 8 days before is old news', [step(12 * H, 'requested', 'u')], new Map([['u', { changes: [12 * H - 8 * 24 * H], logins: [] }]]), []],
    ['a country never seen at sign-in', [step(12 * H, 'requested', 'u', { country: 'BR' })], new Map([['u', { changes: [], logins: [[H, 'DE']] }]]), ['new_country']],
    ['no sign-in history says nothing about the country', [step(12 * H, 'requested', 'u', { country: 'BR' })], noCtx, []],
    ['a sign-in from the country only after the request does not count', [step(12 * H, 'requested', 'u', { country: 'BR' })], new Map([['u', { changes: [], logins: [[H, 'DE'], [13 * H, 'BR']] }]]), ['new_country']],
    ['high risk', [step(12 * H, 'requested', 'u', { risk_level: 'high' })], noCtx, ['high_risk']],
    ['recovery codes count as a recovery', [step(12 * H, 'recovery_code_used', 'u', { factor: 'recovery_code', risk_level: 'high' })], noCtx, ['high_risk']],
  ])('signals: %s', (_name, steps, ctx, signals) => {
    expect(buildRecoveryReport(W, steps, ctx).suspicious.flatMap((s) => s.signals)).toEqual(signals)
  })

  it('many users recovering from one network flag each of them; fewer, or no network, do not', () => {
    const net = '203.0.113.0/24'
    const steps = Array.from({ length: MANY_FROM_ONE_NETWORK }, (_, i) => step(11 * H + i, 'requested', `u${i}`, { network: net }))
    const r = buildRecoveryReport(W, steps, noCtx)
    expect(r.suspicious).toHaveLength(MANY_FROM_ONE_NETWORK)
    expect(r.suspicious.every((s) => s.signals.includes('many_from_network') && s.network === net)).toBe(true)
    expect(r.by_network).toEqual([{ network: net, requests: MANY_FROM_ONE_NETWORK, users: MANY_FROM_ONE_NETWORK }])
    expect(buildRecoveryReport(W, steps.slice(1), noCtx).suspicious).toEqual([])
    // The same user asking three times is one user, not many.
    expect(buildRecoveryReport(W, steps.map((s) => ({ ...s, user_hash: 'same' })), noCtx).suspicious).toEqual([])
    const unknown = steps.map((s) => ({ ...s, network: '' }))
    expect(buildRecoveryReport(W, unknown, noCtx).suspicious).toEqual([])
    expect(buildRecoveryReport(W, unknown, noCtx).by_network).toEqual([{ network: 'unknown', requests: MANY_FROM_ONE_NETWORK, users: MANY_FROM_ONE_NETWORK }])
  })

  it.each<[string, string[], string[]]>([
    ['a block-list hit', ['known_bad_ip'], ['blocklisted_network']],
    ['the IdP\'s new-country signal with no sign-in history of ours', ['new_device', 'new_country'], ['new_country']],
    ['a new device alone is no abuse signal', ['new_device'], []],
  ])('risk signals: %s', (_name, riskSignals, signals) => {
    expect(buildRecoveryReport(W, [step(12 * H, 'requested', 'u', { risk_signals: riskSignals })], noCtx).suspicious.flatMap((s) => s.signals)).toEqual(signals)
  })

  it('pairs steps by request id: an approval of the earlier request is not taken for the later one', () => {
    const r = buildRecoveryReport(W, [
      step(11 * H, 'requested', 'a', { request_id: 'r1' }), step(12 * H, 'requested', 'a', { request_id: 'r2' }),
      step(13 * H, 'approved', 'a', { request_id: 'r1' }),
    ], noCtx)
    expect(r.time_to_approve_ms).toEqual({ n: 1, p50: 2 * H, p95: 2 * H })
    expect(r.backlog).toEqual([{ user_hash: 'a', request_id: 'r2', requested_at: new Date(12 * H).toISOString(), age_ms: 8 * H, network: null }])
  })

  it('a decision without a request id falls back to the same user\'s latest open request', () => {
    const r = buildRecoveryReport(W, [step(11 * H, 'requested', 'a', { request_id: 'r1' }), step(11 * H + 600_000, 'denied', 'a')], noCtx)
    expect(r.backlog).toEqual([])
  })

  it('pairs a decision with the same user\'s open request; a request from before the window still counts', () => {
    const r = buildRecoveryReport(W, [
      step(9 * H, 'requested', 'a'), step(11 * H, 'approved', 'a'), step(11 * H + 60_000, 'completed', 'a'),
      step(12 * H, 'requested', 'b'), step(12 * H + 120_000, 'denied', 'b'),
      step(13 * H, 'requested', 'c'),
      step(14 * H, 'requested', 'd'), step(15 * H, 'expired', 'd'),
    ], noCtx)
    expect(r.time_to_approve_ms).toEqual({ n: 1, p50: 2 * H, p95: 2 * H })
    expect(r.backlog).toEqual([{ user_hash: 'c', request_id: null, requested_at: new Date(13 * H).toISOString(), age_ms: 7 * H, network: null }])
    expect(r.by_reason).toMatchObject({ requested: 3, approved: 1, denied: 1, completed: 1, expired: 1 })
    expect(r.series[2]).toEqual([12 * H, 1, 0, 1])
  })

  it('an approved request is not in the backlog', () => {
    expect(buildRecoveryReport(W, [step(12 * H, 'requested', 'a'), step(12 * H + 5, 'approved', 'a')], noCtx).backlog).toEqual([])
  })
})
