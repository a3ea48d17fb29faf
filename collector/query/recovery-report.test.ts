import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RecoveryReport } from '../../contract/security'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { mfaEventRow } from '../storage/rows'
import { runRecovery } from './recovery-report'
import { MANY_FROM_ONE_NETWORK, SUSPICIOUS_LISTED, USERS_AS_PARAM } from './recovery-sql'

/**
 * The recovery report is decided in SQL (recovery-sql.ts), so its cases run against embedded
 * ClickHouse. Each case writes its own steps under its own user group and reads the report
 * filtered to that group, so the cases share one store without seeing each other.
 */

const H = 3_600_000
const DAY = 24 * H
const BASE = Date.UTC(2026, 9, 1)
const W = { fromMs: BASE + 10 * H, toMs: BASE + 20 * H, stepS: 3600 }
let store: TestStore
let seq = 0

interface Step { ms: number; reason: string; user: string; factor?: string; country?: string; risk?: string; request_id?: string; network?: string; signals?: string[] }

function recoveryRow(group: string, s: Step) {
  const attrs: Record<string, unknown> = {
    'event.name': 'mfa.recovery', 'event.id': `rec-${++seq}`, 'mfa.reason': s.reason, 'mfa.factor': s.factor ?? 'admin_recovery',
    'mfa.user_hash': s.user, 'mfa.user_group': group, 'mfa.country': s.country ?? 'DE', 'mfa.risk_level': s.risk ?? 'low',
  }
  if (s.request_id) attrs['mfa.request_id'] = s.request_id
  if (s.network) attrs['mfa.network'] = s.network
  if (s.signals) attrs['mfa.risk_signals'] = s.signals.join(',')
  return mfaEventRow({ tsMs: s.ms, service: 'test-idp', attrs })
}
const changeRow = (group: string, user: string, ms: number) =>
  mfaEventRow({ tsMs: ms, service: 'test-idp', attrs: { 'event.name': 'mfa.enrollment.changed', 'event.id': `chg-${++seq}`, 'mfa.reason': 'enrolled', 'mfa.factor': 'sms', 'mfa.user_hash': user, 'mfa.user_group': group, 'mfa.intent': 'enroll' } })
const loginRow = (group: string, user: string, ms: number, country: string) =>
  mfaEventRow({ tsMs: ms, service: 'test-idp', attrs: { 'event.name': 'mfa.login.completed', 'event.id': `login-${++seq}`, 'mfa.outcome': 'success', 'mfa.reason': 'mfa_satisfied', 'mfa.user_hash': user, 'mfa.user_group': group, 'mfa.country': country, 'mfa.flow_id': `f-${seq}` } })

let groups = 0
/** Writes the rows (steps, and optional context) under a fresh user group and reads the report for it. */
async function report(steps: Step[], context: (group: string) => ReturnType<typeof mfaEventRow>[] = () => []): Promise<RecoveryReport> {
  const group = `case-${++groups}`
  await store.client.insert({ table: 'mfa_events', values: [...context(group), ...steps.map((s) => recoveryRow(group, s))], format: 'JSONEachRow' })
  return RecoveryReport.parse(await runRecovery(store.client, { window: W, filters: { user_group: group } }))
}
const step = (ms: number, reason: string, user: string, extra: Partial<Step> = {}): Step => ({ ms, reason, user, ...extra })
/** A user hash (hex) made from a readable name. */
const u = (name: string) => Buffer.from(name).toString('hex').padEnd(32, '0')

beforeAll(async () => { store = await openTestStore('fw-recovery-report-') })
afterAll(async () => { await store?.close() })

describe('the recovery report (SQL)', () => {
  it.each<[string, Step[], (g: string) => ReturnType<typeof mfaEventRow>[], string[]]>([
    ['a factor change 2 days before', [step(W.fromMs + 2 * H, 'requested', u('s1'))], (g) => [changeRow(g, u('s1'), W.fromMs + 2 * H - 2 * DAY)], ['after_factor_change']],
    ['a factor change 8 days before is old news', [step(W.fromMs + 2 * H, 'requested', u('s2'))], (g) => [changeRow(g, u('s2'), W.fromMs + 2 * H - 8 * DAY)], []],
    ['a country never seen at sign-in', [step(W.fromMs + 2 * H, 'requested', u('nc1'), { country: 'BR' })], (g) => [loginRow(g, u('nc1'), W.fromMs - 9 * H, 'DE')], ['new_country']],
    ['no sign-in history says nothing about the country', [step(W.fromMs + 2 * H, 'requested', u('nc2'), { country: 'BR' })], () => [], []],
    ['a sign-in from the country only after the request does not count', [step(W.fromMs + 2 * H, 'requested', u('nc3'), { country: 'BR' })],
      (g) => [loginRow(g, u('nc3'), W.fromMs - 9 * H, 'DE'), loginRow(g, u('nc3'), W.fromMs + 3 * H, 'BR')], ['new_country']],
    ['a country seen before is no signal', [step(W.fromMs + 2 * H, 'requested', u('nc4'), { country: 'BR' })], (g) => [loginRow(g, u('nc4'), W.fromMs - 9 * H, 'BR')], []],
    ['high risk', [step(W.fromMs + 2 * H, 'requested', u('s3'), { risk: 'high' })], () => [], ['high_risk']],
    ['recovery codes count as a recovery', [step(W.fromMs + 2 * H, 'recovery_code_used', u('s4'), { factor: 'recovery_code', risk: 'high' })], () => [], ['high_risk']],
    ['a block-list hit', [step(W.fromMs + 2 * H, 'requested', u('s5'), { signals: ['known_bad_ip'] })], () => [], ['blocklisted_network']],
    ['the IdP\'s new-country signal with no sign-in history of ours', [step(W.fromMs + 2 * H, 'requested', u('s6'), { signals: ['new_device', 'new_country'] })], () => [], ['new_country']],
    ['a new device alone is no abuse signal', [step(W.fromMs + 2 * H, 'requested', u('s7'), { signals: ['new_device'] })], () => [], []],
    ['signals come in the report\'s order', [step(W.fromMs + 2 * H, 'requested', u('s8'), { risk: 'high', signals: ['known_bad_ip'] })], (g) => [changeRow(g, u('s8'), W.fromMs)], ['after_factor_change', 'high_risk', 'blocklisted_network']],
  ])('signals: %s', async (_name, steps, ctx, signals) => {
    const r = await report(steps, ctx)
    expect(r.suspicious.flatMap((s) => s.signals)).toEqual(signals)
    expect(r.suspicious_total).toBe(signals.length > 0 ? 1 : 0)
  })

  it('many users recovering from one network flag each of them; fewer, the same user again, or no network, do not', async () => {
    const net = '203.0.113.0/24'
    const steps = (users: string[], network = net) => users.map((x, i) => step(W.fromMs + H + i, 'requested', u(x), { network }))
    const many = Array.from({ length: MANY_FROM_ONE_NETWORK }, (_, i) => `m${i}`)
    const r = await report(steps(many))
    expect(r.suspicious).toHaveLength(MANY_FROM_ONE_NETWORK)
    expect(r.suspicious.every((s) => s.signals.includes('many_from_network') && s.network === net)).toBe(true)
    expect(r.by_network).toEqual([{ network: net, requests: MANY_FROM_ONE_NETWORK, users: MANY_FROM_ONE_NETWORK }])
    expect((await report(steps(many.slice(1)))).suspicious).toEqual([])
    expect((await report(steps(many.map(() => 'same')))).suspicious).toEqual([])
    const unknown = await report(steps(many, ''))
    expect(unknown.suspicious).toEqual([])
    expect(unknown.by_network).toEqual([{ network: 'unknown', requests: MANY_FROM_ONE_NETWORK, users: MANY_FROM_ONE_NETWORK }])
    expect(unknown.by_country).toEqual([{ country: 'DE', requests: MANY_FROM_ONE_NETWORK, users: MANY_FROM_ONE_NETWORK }])
  })

  it('pairs steps by request id: an approval of the earlier request is not taken for the later one', async () => {
    const r = await report([
      step(W.fromMs + H, 'requested', u('a'), { request_id: 'r1' }), step(W.fromMs + 2 * H, 'requested', u('a'), { request_id: 'r2' }),
      step(W.fromMs + 3 * H, 'approved', u('a'), { request_id: 'r1' }),
    ])
    expect(r.time_to_approve_ms).toEqual({ n: 1, p50: 2 * H, p95: 2 * H })
    expect(r.backlog).toEqual([{ user_hash: u('a'), request_id: 'r2', requested_at: new Date(W.fromMs + 2 * H).toISOString(), age_ms: 8 * H, network: null }])
  })

  it('a decision without a request id falls back to the same user\'s latest request', async () => {
    const r = await report([step(W.fromMs + H, 'requested', u('a'), { request_id: 'r1' }), step(W.fromMs + H + 600_000, 'denied', u('a'))])
    expect(r.backlog).toEqual([])
  })

  it('pairs a decision with the same user\'s open request; a request from before the window still counts', async () => {
    const r = await report([
      step(W.fromMs - H, 'requested', u('a')), step(W.fromMs + H, 'approved', u('a')), step(W.fromMs + H + 60_000, 'completed', u('a')),
      step(W.fromMs + 2 * H, 'requested', u('b')), step(W.fromMs + 2 * H + 120_000, 'denied', u('b')),
      step(W.fromMs + 3 * H, 'requested', u('c'), { network: '198.51.100.0/24' }),
      step(W.fromMs + 4 * H, 'requested', u('d')), step(W.fromMs + 5 * H, 'expired', u('d')),
      // d asks again after the expiry: a new request, still open.
      step(W.fromMs + 6 * H, 'requested', u('d')),
    ])
    expect(r.time_to_approve_ms).toEqual({ n: 1, p50: 2 * H, p95: 2 * H })
    expect(r.backlog).toEqual([
      { user_hash: u('c'), request_id: null, requested_at: new Date(W.fromMs + 3 * H).toISOString(), age_ms: 7 * H, network: '198.51.100.0/24' },
      { user_hash: u('d'), request_id: null, requested_at: new Date(W.fromMs + 6 * H).toISOString(), age_ms: 4 * H, network: null },
    ])
    expect(r.by_reason).toMatchObject({ requested: 4, approved: 1, denied: 1, completed: 1, expired: 1 })
    expect(r.series[2]).toEqual([W.fromMs + 2 * H, 1, 0, 1])
  })

  it('a later id-less request of the same user supersedes an earlier one whose decision never came', async () => {
    const r = await report([step(W.fromMs + H, 'requested', u('sup')), step(W.fromMs + 3 * H, 'requested', u('sup'))])
    expect(r.backlog.map((b) => b.requested_at)).toEqual([new Date(W.fromMs + 3 * H).toISOString()])
  })

  it('a decision on a closed request, or stamped before its request, changes nothing', async () => {
    const r = await report([
      // Denied, then an approval arrives: no wait counted, not open.
      step(W.fromMs + H, 'requested', u('late'), { request_id: 'q1' }), step(W.fromMs + 2 * H, 'denied', u('late'), { request_id: 'q1' }),
      step(W.fromMs + 3 * H, 'approved', u('late'), { request_id: 'q1' }),
      // An approval stamped before its request (clock skew) does not close it.
      step(W.fromMs + 4 * H, 'approved', u('skew'), { request_id: 'q2' }), step(W.fromMs + 5 * H, 'requested', u('skew'), { request_id: 'q2' }),
    ])
    expect(r.time_to_approve_ms).toEqual({ n: 0, p50: null, p95: null })
    expect(r.backlog).toEqual([{ user_hash: u('skew'), request_id: 'q2', requested_at: new Date(W.fromMs + 5 * H).toISOString(), age_ms: 5 * H, network: null }])
  })

  it('an approved request is not in the backlog; waits are nearest-rank quantiles', async () => {
    const users = Array.from({ length: 20 }, (_, i) => u(`w${i}`))
    const r = await report(users.flatMap((x, i) => [step(W.fromMs + i * 60_000, 'requested', x), step(W.fromMs + i * 60_000 + (i + 1) * 1000, 'approved', x)]))
    expect(r.backlog).toEqual([])
    expect(r.time_to_approve_ms).toEqual({ n: 20, p50: 10_000, p95: 19_000 })
  })

  it('counts every step, lists the newest suspicious ones up to the cap and says how many there were', async () => {
    // More starting users than are handed over as a parameter: the statement finds them itself.
    const n = Math.max(SUSPICIOUS_LISTED, USERS_AS_PARAM) + 1
    const r = await report(Array.from({ length: n }, (_, i) => step(W.fromMs + i * 1000, 'requested', u(`h${i}`), { risk: 'high', country: i === n - 1 ? 'BR' : 'DE' })),
      (g) => [loginRow(g, u(`h${n - 1}`), W.fromMs - H, 'DE')])
    expect(r.by_reason.requested).toBe(n)
    expect(r.suspicious).toHaveLength(SUSPICIOUS_LISTED)
    expect(r.suspicious_total).toBe(n)
    expect(r.suspicious[0]).toMatchObject({ ts: new Date(W.fromMs + (n - 1) * 1000).toISOString(), signals: ['new_country', 'high_risk'] })
    expect(r.suspicious[1].signals).toEqual(['high_risk'])
    expect(r.backlog).toHaveLength(n)
  })
})
