import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttackReport, Breakdown, BypassReport, EnrollmentReport, ExecutiveSnapshot, FailuresReport, FlowTimeline, RecoveryReport } from '../contract/security'
import { loadCollectorConfig } from '../collector/config'
import { openClickHouse } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { tempDir } from './support/processes'
import { serveQueryApi } from './support/query-server'
import { BOMBER_NET, FLOW, GUESSER_NET, RECOVERY_BAD_NET, RECOVERY_BUSY_NET, STUFFING_NET, TRACE, h, securityEvents } from './support/security-events'

/** The security, explore and executive endpoints against IdP-shaped events stored in a real chDB. */

const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000
const NOW = T0 + 2 * 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()
const WIN = `from=${iso(T0)}&to=${iso(NOW)}`

let dir: string
let base: string
let closeServer: (() => Promise<void>) | undefined
let close: () => Promise<void>

beforeAll(async () => {
  dir = tempDir('security-api')
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  close = ch.close
  await migrate(ch.client, { ttlDays: 400 })
  const { rows, spans } = securityEvents(T0)
  await ch.client.insert({ table: 'mfa_events', values: rows, format: 'JSONEachRow' })
  await ch.client.insert({ table: 'otel_traces', values: spans, format: 'JSONEachRow' })
  // Re-deliveries in a later batch (another part): reports read without FINAL must still count them once.
  const again = rows.filter((r) => r.reason === 'user_denied' || r.reason === 'password_failed' || r.reason === 'invalid_code')
  await ch.client.insert({ table: 'mfa_events', values: again, format: 'JSONEachRow' })
  ;({ base, close: closeServer } = await serveQueryApi(ch, () => NOW))
}, 120_000)

afterAll(async () => {
  await closeServer?.()
  await close?.()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`)
  return { status: res.status, body: await res.json() }
}

describe('security reports', () => {
  it('enrollment: coverage now and before, phishing-resistant share, admins without a factor, SMS-only users', async () => {
    const r = EnrollmentReport.parse((await get(`/api/v1/security/enrollment?${WIN}&step=3600`)).body)
    expect(r.coverage.find((c) => c.user_group === 'admin' && c.factor === 'totp')).toEqual({ user_group: 'admin', factor: 'totp', enrolled: 9, total: 10, coverage: 0.9, previous: 0.8 })
    expect(r.phishing_resistant.map(({ user_group, enrolled, total, share }) => ({ user_group, enrolled, total, share }))).toEqual([{ user_group: 'admin', enrolled: 5, total: 10, share: 0.5 }, { user_group: 'workforce', enrolled: 10, total: 100, share: 0.1 }])
    // The latest unprotected_admin run (90 min) united with password-only sign-ins; admin-fixed was only in the 5-minute run.
    expect(r.admins_without_mfa).toEqual(expect.arrayContaining([
      { user_hash: h('admin-nofactor'), sign_ins: 2, last_seen: iso(T0 + 16 * 60_000), producer: 'reference-idp', sources: ['snapshot', 'sign_in'] },
      { user_hash: h('admin-dormant'), sign_ins: 0, last_seen: null, producer: 'reference-idp', sources: ['snapshot'] },
    ]))
    expect(r.admins_without_mfa).toHaveLength(2)
    expect(r.unprotected_snapshot_at).toBe(iso(T0 + 90 * 60_000))
    expect(r.sms_only.map((u) => u.user_hash).sort()).toEqual([h('rec-swap'), h('sms-left'), h('sms-only')].sort())
    expect(r.trend.find((p) => p.t === T0)?.by_group).toEqual({ admin: 0.9, workforce: 0.6 })
    // The unprotected_admin rows (factor password, 1 of 1) are not a factor's coverage.
    expect(r.coverage.some((c) => c.factor === 'password')).toBe(false)
  })

  it('enrollment: each group and the phishing-resistant share against dashboards/enrollment-targets.yaml, SMS-only share against its maximum', async () => {
    const r = EnrollmentReport.parse((await get(`/api/v1/security/enrollment?${WIN}`)).body)
    expect(r.targets).toEqual({ coverage: { admin: 1, workforce: 0.95, customer: 0.6, vendor: 0.9 }, phishing_resistant: { admin: 1, workforce: 0.5 }, sms_only_max_share: 0.05, source: 'dashboards/enrollment-targets.yaml' })
    expect(r.coverage_by_group).toEqual([
      { user_group: 'admin', coverage: 0.9, target: 1, status: 'missed' },
      { user_group: 'customer', coverage: null, target: 0.6, status: 'no_data' },
      { user_group: 'vendor', coverage: null, target: 0.9, status: 'no_data' },
      { user_group: 'workforce', coverage: 0.6, target: 0.95, status: 'missed' },
    ])
    expect(r.phishing_resistant).toEqual([
      { user_group: 'admin', enrolled: 5, total: 10, share: 0.5, target: 1, status: 'missed' },
      { user_group: 'workforce', enrolled: 10, total: 100, share: 0.1, target: 0.5, status: 'missed' },
    ])
    // Three SMS-only users among the 110 accounts of the latest snapshots: 2.7 %, under the 5 % maximum.
    expect(r.sms_only_share).toEqual({ users: 3, accounts: 110, share: 0.027273, max: 0.05, status: 'met' })
    // Narrowed to a group (this filter once broke the SMS-only query: its alias shadowed the column).
    const admins = EnrollmentReport.parse((await get(`/api/v1/security/enrollment?${WIN}&user_group=admin`)).body)
    expect(admins.coverage_by_group.map((g) => [g.user_group, g.status])).toEqual([['admin', 'missed']])
  })

  it('bypasses: every kind counted against the previous window; each use names its exemption, requester and approver', async () => {
    const r = BypassReport.parse((await get(`/api/v1/security/bypasses?${WIN}`)).body)
    expect(r.by_kind).toEqual({ trusted_device: 1, policy_exempt: 1, admin_override: 0, break_glass: 1 })
    expect(r.previous_by_kind.admin_override).toBe(1)
    expect(r.events.map((e) => e.kind)).toEqual(['policy_exempt', 'break_glass', 'trusted_device'])
    expect(r.events[1]).toEqual({ ts: iso(T0 + 22 * 60_000), kind: 'break_glass', user_hash: h('bypass-2'), user_group: 'admin', flow_id: 'fb2', country: 'NL', client: 'web', request_id: 'ex-bg', requester_hash: h('admin-a'), approver_hash: h('admin-b') })
    expect(r.events[2]).toMatchObject({ kind: 'trusted_device', request_id: null, requester_hash: null, approver_hash: null })
    expect(r.unpaired_break_glass).toEqual([])
    expect(r.not_in_telemetry).toEqual([expect.stringContaining('audit log')])
  })

  it('exemptions: status from the latest step, expiry from approval + duration, open and expiring lists, break-glass incidents', async () => {
    const r = BypassReport.parse((await get(`/api/v1/security/bypasses?${WIN}`)).body)
    const by = Object.fromEntries(r.exemptions.map((e) => [e.request_id, e]))
    expect(Object.fromEntries(r.exemptions.map((e) => [e.request_id, e.status]))).toEqual({
      'ex-open': 'open', 'ex-bg': 'expired', 'ex-pe': 'active', 'ex-soon': 'expiring', 'ex-denied': 'denied', 'ex-revoked': 'revoked',
    })
    expect(r.exemptions[0].request_id).toBe('ex-open')
    expect(by['ex-bg']).toEqual({
      request_id: 'ex-bg', kind: 'break_glass', status: 'expired', user_hash: h('bypass-2'), user_group: 'admin', requester_hash: h('admin-a'), approver_hash: h('admin-b'),
      duration_s: 3600, requested_at: iso(T0 + 20 * 60_000), approved_at: iso(T0 + 21 * 60_000), expires_at: iso(T0 + 81 * 60_000), ended_at: iso(T0 + 81 * 60_000), uses: 1,
    })
    expect(by['ex-pe']).toMatchObject({ approver_hash: h('admin-c'), expires_at: iso(T0 + 31 * 60_000 + 7 * 86_400_000), ended_at: null, uses: 1 })
    expect(by['ex-denied']).toMatchObject({ approver_hash: h('admin-b'), approved_at: null, expires_at: null, ended_at: iso(T0 + 45 * 60_000), uses: 0 })
    expect(by['ex-revoked']).toMatchObject({ approver_hash: h('admin-b'), ended_at: iso(T0 + 60 * 60_000) })
    expect(r.open.map((e) => e.request_id)).toEqual(['ex-open'])
    expect(r.open[0]).toMatchObject({ requester_hash: h('admin-a'), approver_hash: null, duration_s: 86_400, user_hash: h('exempt-open') })
    expect(r.expiring.map((e) => [e.request_id, e.expires_at])).toEqual([['ex-soon', iso(T0 + 3 * 60_000 + 12 * 3_600_000)]])
    expect(r.expiring_within_s).toBe(86_400)
    expect(r.incidents.map((e) => e.request_id)).toEqual(['ex-bg'])
    // A window ending before the break-glass exemption ran out sees it active, and about to expire.
    const early = BypassReport.parse((await get(`/api/v1/security/bypasses?from=${iso(T0)}&to=${iso(T0 + 30 * 60_000)}`)).body)
    expect(early.exemptions.find((e) => e.request_id === 'ex-bg')?.status).toBe('expiring')
    expect(early.exemptions.some((e) => e.request_id === 'ex-open')).toBe(false)
    // Filters apply to the exempted account: only the vendors' exemptions.
    const vendors = BypassReport.parse((await get(`/api/v1/security/bypasses?${WIN}&user_group=vendor`)).body)
    expect(vendors.exemptions.map((e) => e.request_id).sort()).toEqual(['ex-pe', 'ex-soon'])
  })

  it('recovery: steps paired by request id, time to approve, backlog, the SIM-swap pattern and abuse signals by network', async () => {
    const r = RecoveryReport.parse((await get(`/api/v1/security/recovery?${WIN}`)).body)
    expect(r.by_reason).toMatchObject({ requested: 3, approved: 1, denied: 1, completed: 1, recovery_code_used: 1 })
    expect(r.time_to_approve_ms).toEqual({ n: 1, p50: 30 * 60_000, p95: 30 * 60_000 })
    // rec-open's steps carry no request id (an older producer): still paired by user, still open.
    expect(r.backlog).toEqual([{ user_hash: h('rec-open'), request_id: null, requested_at: iso(T0 + 20 * 60_000), age_ms: 100 * 60_000, network: RECOVERY_BUSY_NET }])
    expect(r.suspicious).toEqual(expect.arrayContaining([
      { ts: iso(T0 + 10 * 60_000), user_hash: h('rec-swap'), request_id: 'rr-swap', reason: 'requested', country: 'BR', network: RECOVERY_BAD_NET, signals: ['after_factor_change', 'new_country', 'high_risk', 'blocklisted_network'] },
      { ts: iso(T0 + 25 * 60_000), user_hash: h('rec-denied'), request_id: 'rr-denied', reason: 'requested', country: 'DE', network: RECOVERY_BUSY_NET, signals: ['high_risk', 'many_from_network'] },
      { ts: iso(T0 + 20 * 60_000), user_hash: h('rec-open'), request_id: null, reason: 'requested', country: 'DE', network: RECOVERY_BUSY_NET, signals: ['many_from_network'] },
      { ts: iso(T0 + 30 * 60_000), user_hash: h('rec-code'), request_id: null, reason: 'recovery_code_used', country: 'DE', network: RECOVERY_BUSY_NET, signals: ['many_from_network'] },
    ]))
    expect(r.suspicious).toHaveLength(4)
    expect(r.by_network).toEqual([{ network: RECOVERY_BUSY_NET, requests: 3, users: 3 }, { network: RECOVERY_BAD_NET, requests: 1, users: 1 }])
    expect(r.many_from_network_threshold).toBe(3)
    expect(r.by_country).toEqual(expect.arrayContaining([{ country: 'DE', requests: 3, users: 3 }, { country: 'BR', requests: 1, users: 1 }]))
    // Narrowed to the vendors, the busy /48 has no recovery left: nobody is flagged for it.
    expect(RecoveryReport.parse((await get(`/api/v1/security/recovery?${WIN}&user_group=vendor`)).body).suspicious).toEqual([])
  })

  it('attacks: stuffing by country, a second-factor guesser, lockouts, push bombing, risk over time, revoked-session reuse', async () => {
    const r = AttackReport.parse((await get(`/api/v1/security/attacks?${WIN}&step=3600`)).body)
    expect(r.credential_stuffing).toEqual([{ country: 'RU', failures: 4, users: 2 }])
    expect(r.brute_force.users.map((u) => u.user_hash)).toEqual([h('bombed'), h('guesser')])
    expect(r.brute_force.users[1]).toEqual({ user_hash: h('guesser'), user_group: 'workforce', failures: 3, factors: ['totp'], countries: ['US'], last: iso(T0 + 35 * 60_000 + 20_000) })
    expect(r.lockouts).toEqual({ by_reason: { too_many_failures: 1, fraud_reported: 0, push_bombing: 1, admin_lock: 0, unlocked: 0 }, users: 2 })
    expect(r.push_bombing).toEqual([{ country: 'CN', denied: 2, fraud_reports: 1, lockouts: 1, users: 1 }])
    expect(r.risk).toEqual([[T0, 6, 1, 1], [T0 + 3_600_000, 0, 1, 0]])
    expect(r.revoked_session_reuse).toEqual([{ ts: iso(T0 + 41 * 60_000 + 1000), user_hash: h('revoked'), country: 'FR', client: 'web' }])
    expect(r.not_in_telemetry).toEqual([])
  })

  it('attacks by source network (/24, /48) with the users touched and block-list hits; risk signals over time', async () => {
    const r = AttackReport.parse((await get(`/api/v1/security/attacks?${WIN}&step=3600`)).body)
    const n = r.by_network
    const where = (network: string, country: string, hashes: string[], block_listed = false) => ({ network, country, users: hashes.length, user_hashes: hashes.sort(), block_listed })
    expect(n.credential_stuffing).toEqual([
      { ...where(STUFFING_NET, 'RU', [h('stuffed-0'), h('stuffed-1')], true), failures: 3 },
      { ...where('unknown', 'RU', []), failures: 1 },
    ])
    expect(n.brute_force).toEqual([
      { ...where(BOMBER_NET, 'CN', [h('bombed')]), failures: 3 },
      { ...where(GUESSER_NET, 'US', [h('guesser')]), failures: 3 },
      { ...where('unknown', 'DE', [h('flow-user')]), failures: 1 },
    ])
    expect(n.lockouts).toEqual([
      { ...where(BOMBER_NET, 'CN', [h('bombed')]), lockouts: 1, reasons: ['push_bombing'] },
      { ...where(GUESSER_NET, 'US', [h('guesser')]), lockouts: 1, reasons: ['too_many_failures'] },
    ])
    expect(n.push_bombing).toEqual([{ ...where(BOMBER_NET, 'CN', [h('bombed')]), denied: 2, fraud_reports: 1, lockouts: 1 }])
    expect(r.risk_signals).toEqual([[T0, 2, 2, 1, 1], [T0 + 3_600_000, 0, 0, 0, 0]])
    // The request's filters narrow the network view as they do the country view.
    const ios = await get(`/api/v1/security/attacks?${WIN}&step=3600&client=ios`)
    expect(ios.status, JSON.stringify(ios.body)).toBe(200)
    const byNet = AttackReport.parse(ios.body).by_network
    expect([byNet.credential_stuffing, byNet.push_bombing.map((x) => [x.network, x.denied])]).toEqual([[], [[BOMBER_NET, 2]]])
  })
})

describe('explore', () => {
  it('failed challenges, filterable by any dimension', async () => {
    const all = FailuresReport.parse((await get(`/api/v1/explore/failures?${WIN}`)).body)
    expect(all.total).toBe(7)
    const ios = FailuresReport.parse((await get(`/api/v1/explore/failures?${WIN}&client=ios&reason=fraud_reported`)).body)
    expect(ios.events).toHaveLength(1)
    expect(ios.events[0]).toMatchObject({ factor: 'push', country: 'CN', reason: 'fraud_reported', risk_level: 'low', user_hash: h('bombed') })
    expect((await get(`/api/v1/explore/failures?${WIN}&country=US&attempt=2&risk_level=medium`)).body.total).toBe(1)
    expect((await get(`/api/v1/explore/failures?${WIN}&region=us-east&factor=totp&limit=1`)).body.events).toHaveLength(1)
    // A day-long window counts from the hourly rollup; re-deliveries still count once there.
    const day = `from=${iso(NOW - 24 * 3_600_000)}&to=${iso(NOW)}`
    expect(FailuresReport.parse((await get(`/api/v1/explore/failures?${day}`)).body).total).toBe(7)
    expect((await get(`/api/v1/explore/failures?${day}&client=ios&reason=fraud_reported`)).body.total).toBe(1)
  })

  it('one flow: events in order with the gaps between them, and its spans as a tree', async () => {
    const r = FlowTimeline.parse((await get(`/api/v1/explore/flow?flow_id=${FLOW}`)).body)
    expect(r.events.map((e) => e.event)).toEqual(['mfa.login.started', 'mfa.challenge.issued', 'mfa.provider.request', 'mfa.challenge.verified', 'mfa.challenge.verified', 'mfa.login.completed'])
    expect(r.events.map((e) => e.since_prev_ms)).toEqual([null, 250, 350, 19_400, 11_000, 100])
    expect(r.spans.map((s) => [s.name, s.depth])).toEqual([['POST /login', 0], ['password.verify', 1], ['risk.assess', 1], ['vendor.send sms', 1], ['POST /login/verify', 0], ['sms.verify', 1], ['POST /login/verify', 0], ['sms.verify', 1]])
    expect(r.spans[0]).toMatchObject({ trace_id: TRACE, offset_ms: -200, duration_ms: 820 })
    expect(r.spans[4].status).toBe('Error')
  })

  it('breakdown: latency by region, errors by client, receipts in flight and outstanding', async () => {
    const r = Breakdown.parse((await get(`/api/v1/explore/breakdown?${WIN}`)).body)
    expect(r.regions.map((x) => [x.region, x.verifications])).toEqual([['eu-west', 5], ['us-east', 3]])
    expect(r.clients.find((c) => c.client === 'ios')).toEqual({ client: 'ios', verifications: 3, failures: 3, error_rate: 1, by_reason: { user_denied: 2, fraud_reported: 1 } })
    expect(r.queues.find((q) => q.provider === 'vonage')).toEqual({ provider: 'vonage', channel: 'sms', sent: 3, in_flight: 1, receipts_outstanding: 1, oldest_outstanding_ms: 40 * 60_000 })
    expect(r.queues.find((q) => q.provider === 'twilio')).toMatchObject({ sent: 1, receipts_outstanding: 1 })
    expect(r.source).toBe('raw')
    // Queues over a week follow the sends of its last day (regions and clients over long windows: security-attack-rollup.test.ts).
    const week = Breakdown.parse((await get(`/api/v1/explore/breakdown?from=${iso(NOW - 7 * 24 * 3_600_000)}&to=${iso(NOW)}`)).body)
    expect(week.queue_from).toBe(iso(NOW - 24 * 3_600_000))
  })
})

describe('executive snapshot and validation', () => {
  it('this period against the previous one', async () => {
    const r = ExecutiveSnapshot.parse((await get(`/api/v1/executive?${WIN}`)).body)
    const k = Object.fromEntries(r.kpis.map((x) => [x.id, x]))
    expect(r.previous).toEqual({ from: iso(T0 - 2 * 3_600_000), to: iso(T0) })
    expect(k.bypass_incidents).toMatchObject({ current: 3, previous: 1, unit: 'count' })
    expect(k.break_glass).toMatchObject({ current: 1, previous: 0 })
    expect(k.recovery_rate).toMatchObject({ current: 0.333333, previous: null })
    expect(k.enrollment_coverage.current).toBeGreaterThan(0)
    expect(k.provider_availability).toMatchObject({ current: 1, previous: null })
    expect(r.cost_by_channel.find((c) => c.channel === 'sms')).toMatchObject({ successes: 1, current_micros: 7900 + 3 * 6500, previous_micros: null })
  })

  it('the catalogue lists every report', async () => {
    const { body } = await get('/api/v1/metrics/catalogue')
    expect(body.reports.map((r: { path: string }) => r.path)).toContain('/api/v1/explore/flow')
    expect(body.reports).toHaveLength(8)
  })

  it.each([
    ['/api/v1/security/enrollment?user_group=root', 'user_group'],
    ['/api/v1/security/bypasses?to=soon', 'to'],
    ['/api/v1/security/recovery?step=-5', 'step'],
    ['/api/v1/security/recovery?network=10.0.0.0/8', 'network'],
    ['/api/v1/security/attacks?from=yesterday', 'from'],
    ['/api/v1/executive?colour=red', 'colour'],
    ['/api/v1/explore/failures?country=de', 'country'],
    ['/api/v1/explore/failures?outcome=success', 'outcome'],
    ['/api/v1/explore/failures?attempt=0', 'attempt'],
    ['/api/v1/explore/flow', 'flow_id'],
    ['/api/v1/explore/flow?flow_id=a%20b', 'flow_id'],
  ])('%s → 400 naming %s', async (path, parameter) => {
    const r = await get(path)
    expect(r.status).toBe(400)
    expect(r.body.error.parameter).toBe(parameter)
  })
})

