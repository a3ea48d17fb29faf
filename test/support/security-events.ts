import { createHash } from 'node:crypto'
import { ATTR, buildEvent, type EventAttributes, type EventName } from '../../contract'
import { type MfaEventRow, chTime, mfaEventRow } from '../../collector/storage/rows'

/**
 * Contract events in the exact shape the reference IdP emits them (base attributes region,
 * country, client, risk level, user hash and group; see reference-idp/login/events.ts), built
 * through `buildEvent` so a shape the contract rejects fails here. Times are offsets in
 * seconds from `t0`. Used by the security API test and the console's browser test.
 */

export const h = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32)
export const FLOW = '7f1c2d3e-0000-4000-8000-00000000f10a'
export const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const MIN = 60
/** Source networks of the attacks (mfa.network): IPv4 /24s and an IPv6 /48, documentation ranges. */
export const STUFFING_NET = '203.0.113.0/24'
export const GUESSER_NET = '2001:db8:1::/48'
export const BOMBER_NET = '198.51.100.0/24'
/** Source networks of the recoveries: a block-listed /24 (the SIM swap) and a /48 three users recover from. */
export const RECOVERY_BAD_NET = '198.18.7.0/24'
export const RECOVERY_BUSY_NET = '2001:db8:77::/48'
/** The attributes an exemption's steps and uses share (mfa.request_id, mfa.bypass_kind, requester and approver hashes). */
const exemption = (id: string, kind: string, requester: string, approver?: string): EventAttributes => ({
  [ATTR.requestId]: id, [ATTR.bypassKind]: kind, [ATTR.requesterHash]: h(requester), ...(approver ? { [ATTR.approverHash]: h(approver) } : {}),
})

/** `network` and `signals` are mfa.network and mfa.risk_signals, sent only when given (as the IdP does). */
type Who = { user?: string; group?: string; country?: string; client?: string; risk?: string; region?: string; network?: string; signals?: string }

export interface EventRecord { tsMs: number; attrs: Record<string, string | number>; traceId?: string; spanId?: string }
export interface SpanRecord { traceId: string; spanId: string; parentSpanId: string; name: string; startMs: number; durMs: number; status: 'Ok' | 'Error' }

export function securityEvents(t0: number): { rows: MfaEventRow[]; spans: Record<string, unknown>[]; records: EventRecord[]; spanRecords: SpanRecord[] } {
  const records: EventRecord[] = []
  let n = 0
  const e = (at: number, name: EventName, attrs: EventAttributes, who: Who = {}, trace?: { traceId: string; spanId: string }) => {
    const base: EventAttributes = {
      'mfa.region': who.region ?? 'eu-west', 'mfa.country': who.country ?? 'DE', 'mfa.client': who.client ?? 'web', 'mfa.risk_level': who.risk ?? 'low',
      ...(who.user ? { 'mfa.user_hash': h(who.user), 'mfa.user_group': who.group ?? 'workforce' } : {}),
      ...(who.network ? { 'mfa.network': who.network } : {}), ...(who.signals ? { 'mfa.risk_signals': who.signals } : {}),
    }
    const attrsOut = buildEvent(name, { ...base, ...attrs }, () => `sec-${++n}`)
    records.push({ tsMs: t0 + at * 1000, attrs: attrsOut, traceId: trace?.traceId, spanId: trace?.spanId })
  }
  const snap = (at: number, group: string, factor: string, enrolled: number, total: number) =>
    e(at, 'mfa.enrollment.snapshot', { 'mfa.user_group': group, 'mfa.factor': factor, 'mfa.enrolled_count': enrolled, 'mfa.total_count': total, 'mfa.reason': 'scheduled' })
  const enroll = (at: number, user: string, factor: string, reason: string, group = 'workforce', intent = 'enrollment') =>
    e(at, 'mfa.enrollment.changed', { 'mfa.factor': factor, 'mfa.reason': reason, 'mfa.intent': intent }, { user, group })

  // Enrollment: a day before the window and inside it.
  snap(-24 * 60 * MIN, 'admin', 'totp', 8, 10); snap(-24 * 60 * MIN, 'admin', 'webauthn', 4, 10)
  snap(5 * MIN, 'admin', 'totp', 9, 10); snap(5 * MIN, 'admin', 'webauthn', 5, 10); snap(5 * MIN, 'workforce', 'sms', 60, 100); snap(5 * MIN, 'workforce', 'webauthn', 10, 100)
  // Admins with no second factor, one row each, right after the admin counts (as reference-idp/login/snapshot.ts emits them).
  // The 5-minute run named admin-fixed, who has enrolled by the 90-minute run: only the latest run counts.
  const unprotected = (at: number, user: string) =>
    e(at, 'mfa.enrollment.snapshot', { [ATTR.userGroup]: 'admin', [ATTR.userHash]: h(user), [ATTR.factor]: 'password', [ATTR.enrolledCount]: 1, [ATTR.totalCount]: 1, [ATTR.reason]: 'unprotected_admin' })
  unprotected(5 * MIN, 'admin-fixed')
  snap(90 * MIN, 'admin', 'totp', 9, 10); snap(90 * MIN, 'admin', 'webauthn', 5, 10)
  unprotected(90 * MIN, 'admin-nofactor'); unprotected(90 * MIN, 'admin-dormant')
  e(6 * MIN, 'mfa.login.completed', { 'mfa.flow_id': 'fa1', 'mfa.outcome': 'success', 'mfa.reason': 'mfa_not_enrolled', 'mfa.factor': 'password', 'mfa.intent': 'login' }, { user: 'admin-nofactor', group: 'admin' })
  e(16 * MIN, 'mfa.login.completed', { 'mfa.flow_id': 'fa2', 'mfa.outcome': 'success', 'mfa.reason': 'mfa_not_enrolled', 'mfa.factor': 'password', 'mfa.intent': 'login' }, { user: 'admin-nofactor', group: 'admin' })
  enroll(-3 * 24 * 60 * MIN, 'sms-only', 'sms', 'enrolled')
  enroll(-3 * 24 * 60 * MIN, 'sms-and-totp', 'sms', 'enrolled'); enroll(-3 * 24 * 60 * MIN + 60, 'sms-and-totp', 'totp', 'enrolled')
  enroll(-2 * 24 * 60 * MIN, 'sms-left', 'sms', 'enrolled'); enroll(-2 * 24 * 60 * MIN, 'sms-left', 'totp', 'enrolled'); enroll(-24 * 60 * MIN, 'sms-left', 'totp', 'removed')

  // Bypasses: three kinds in the window, one admin override in the half hour before it.
  e(-30 * MIN, 'mfa.bypass', { 'mfa.flow_id': 'fb0', 'mfa.reason': 'admin_override', 'mfa.intent': 'login' }, { user: 'bypass-0' })
  e(12 * MIN, 'mfa.bypass', { 'mfa.flow_id': 'fb1', 'mfa.reason': 'trusted_device', 'mfa.intent': 'login' }, { user: 'bypass-1' })
  e(22 * MIN, 'mfa.bypass', { 'mfa.flow_id': 'fb2', 'mfa.reason': 'break_glass', 'mfa.intent': 'login', ...exemption('ex-bg', 'break_glass', 'admin-a', 'admin-b'), [ATTR.durationS]: 3600 }, { user: 'bypass-2', group: 'admin', country: 'NL' })
  e(32 * MIN, 'mfa.bypass', { 'mfa.flow_id': 'fb3', 'mfa.reason': 'policy_exempt', 'mfa.intent': 'login', ...exemption('ex-pe', 'policy_exempt', 'admin-a', 'admin-c'), [ATTR.durationS]: 7 * 86_400 }, { user: 'bypass-3', group: 'vendor' })

  // Exemptions on the two-person rule (reference-idp/login/exemptions.ts): every step names the exemption, its kind
  // and requester; approval, denial and revocation the deciding admin; request and approval the duration.
  const step = (at: number, id: string, kind: string, reason: string, who: Who, requester: string, decider?: string, durationS?: number) =>
    e(at, 'mfa.exemption', { ...exemption(id, kind, requester, decider), [ATTR.reason]: reason, ...(durationS === undefined ? {} : { [ATTR.durationS]: durationS }) }, who)
  const grant = (at: number, id: string, kind: string, who: Who, durationS: number, approver = 'admin-b') => {
    step(at, id, kind, 'requested', who, 'admin-a', undefined, durationS); step(at + MIN, id, kind, 'approved', who, 'admin-a', approver, durationS)
  }
  grant(20 * MIN, 'ex-bg', 'break_glass', { user: 'bypass-2', group: 'admin', country: 'NL' }, 3600) // ended at 81 min: expired without an event
  grant(30 * MIN, 'ex-pe', 'policy_exempt', { user: 'bypass-3', group: 'vendor' }, 7 * 86_400, 'admin-c') // active for a week
  grant(2 * MIN, 'ex-soon', 'policy_exempt', { user: 'exempt-soon', group: 'vendor' }, 12 * 3600) // ends within 24 h of the window's end
  step(100 * MIN, 'ex-open', 'admin_override', 'requested', { user: 'exempt-open' }, 'admin-a', undefined, 86_400) // awaits a second admin
  step(40 * MIN, 'ex-denied', 'admin_override', 'requested', { user: 'exempt-denied' }, 'admin-a', undefined, 86_400)
  step(45 * MIN, 'ex-denied', 'admin_override', 'denied', { user: 'exempt-denied' }, 'admin-a', 'admin-b')
  grant(55 * MIN, 'ex-revoked', 'policy_exempt', { user: 'exempt-revoked' }, 86_400)
  step(60 * MIN, 'ex-revoked', 'policy_exempt', 'revoked', { user: 'exempt-revoked' }, 'admin-a', 'admin-c')

  // Recovery: SIM-swap pattern (factor change the day before, request from a new country), approved after 30 min.
  // Admin-assisted steps carry the request id (rec-open's do not: an older producer, paired by user); decisions the approver.
  const rec = (at: number, user: string, reason: string, country = 'DE', risk = 'low', o: { id?: string; approver?: string; network?: string; signals?: string } = {}) =>
    e(at, 'mfa.recovery', {
      'mfa.factor': 'admin_recovery', 'mfa.reason': reason, 'mfa.intent': 'recovery',
      ...(o.id ? { [ATTR.requestId]: o.id } : {}), ...(o.approver ? { [ATTR.approverHash]: h(o.approver) } : {}),
    }, { user, country, risk, network: o.network, signals: o.signals })
  e(-2 * 24 * 60 * MIN, 'mfa.login.completed', { 'mfa.flow_id': 'fr0', 'mfa.outcome': 'success', 'mfa.reason': 'mfa_satisfied', 'mfa.factor': 'totp', 'mfa.intent': 'login' }, { user: 'rec-swap' })
  enroll(-24 * 60 * MIN, 'rec-swap', 'sms', 'enrolled')
  // The swap's request comes from a block-listed /24; three users recover from one /48 (many from one network).
  rec(10 * MIN, 'rec-swap', 'requested', 'BR', 'high', { id: 'rr-swap', network: RECOVERY_BAD_NET, signals: 'new_country,known_bad_ip' })
  rec(40 * MIN, 'rec-swap', 'approved', 'DE', 'low', { id: 'rr-swap', approver: 'admin-b' }); rec(45 * MIN, 'rec-swap', 'completed', 'BR', 'low', { id: 'rr-swap', network: RECOVERY_BAD_NET })
  rec(20 * MIN, 'rec-open', 'requested', 'DE', 'low', { network: RECOVERY_BUSY_NET })
  rec(25 * MIN, 'rec-denied', 'requested', 'DE', 'high', { id: 'rr-denied', network: RECOVERY_BUSY_NET }); rec(50 * MIN, 'rec-denied', 'denied', 'DE', 'low', { id: 'rr-denied', approver: 'admin-c' })
  e(30 * MIN, 'mfa.recovery', { 'mfa.factor': 'recovery_code', 'mfa.reason': 'recovery_code_used', 'mfa.intent': 'recovery' }, { user: 'rec-code', network: RECOVERY_BUSY_NET })

  // Attacks: credential stuffing from RU (three from a block-listed /24, one with no network), a second-factor guesser
  // from an IPv6 /48, push bombing from CN (answered from the victim's phone elsewhere, but the IdP stamps every event
  // of a sign-in with the network and signals of the request that started it: BOMBER_NET), a revoked session resumed.
  const stuffer = (i: number) => (i === 3 ? {} : { network: STUFFING_NET, ...(i === 0 ? { signals: 'known_bad_ip' } : {}) })
  for (let i = 0; i < 4; i++) e(30 * MIN + i, 'mfa.login.completed', { 'mfa.flow_id': `fs${i}`, 'mfa.outcome': 'failure', 'mfa.reason': 'password_failed', 'mfa.factor': 'password', 'mfa.intent': 'login' }, { ...(i < 2 ? { user: `stuffed-${i}` } : {}), country: 'RU', ...stuffer(i) })
  for (let i = 0; i < 3; i++) e(35 * MIN + i * 10, 'mfa.challenge.verified', { 'mfa.flow_id': 'fbf', 'mfa.factor': 'totp', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.attempt': i + 1, 'mfa.intent': 'login' }, { user: 'guesser', country: 'US', risk: 'medium', region: 'us-east', client: 'api', network: GUESSER_NET, signals: 'new_device,new_country' })
  e(36 * MIN, 'mfa.lockout', { 'mfa.flow_id': 'fbf', 'mfa.factor': 'totp', 'mfa.reason': 'too_many_failures' }, { user: 'guesser', country: 'US', network: GUESSER_NET })
  for (let i = 0; i < 3; i++) e(37 * MIN + i, 'mfa.login.started', { 'mfa.flow_id': `fp${i}`, 'mfa.reason': 'password_verified', 'mfa.intent': 'login' }, { user: 'bombed', country: 'CN', network: BOMBER_NET })
  for (let i = 0; i < 2; i++) e(38 * MIN + i, 'mfa.challenge.verified', { 'mfa.flow_id': `fp${i}`, 'mfa.factor': 'push', 'mfa.channel': 'push', 'mfa.outcome': 'failure', 'mfa.reason': 'user_denied', 'mfa.intent': 'login' }, { user: 'bombed', country: 'CN', client: 'ios', network: BOMBER_NET })
  e(39 * MIN, 'mfa.challenge.verified', { 'mfa.flow_id': 'fp2', 'mfa.factor': 'push', 'mfa.channel': 'push', 'mfa.outcome': 'failure', 'mfa.reason': 'fraud_reported', 'mfa.intent': 'login' }, { user: 'bombed', country: 'CN', client: 'ios', network: BOMBER_NET })
  e(39 * MIN + 1, 'mfa.lockout', { 'mfa.factor': 'push', 'mfa.channel': 'push', 'mfa.reason': 'push_bombing' }, { user: 'bombed', country: 'CN', network: BOMBER_NET })
  e(41 * MIN, 'mfa.login.started', { 'mfa.flow_id': 'fv', 'mfa.reason': 'session_resume', 'mfa.intent': 'login' }, { user: 'revoked', country: 'FR' })
  e(41 * MIN + 1, 'mfa.login.completed', { 'mfa.flow_id': 'fv', 'mfa.outcome': 'failure', 'mfa.reason': 'session_revoked', 'mfa.intent': 'login' }, { user: 'revoked', country: 'FR' })
  const signals = [undefined, 'new_device', 'new_device,new_country', 'new_country,impossible_travel,known_bad_ip']
  for (const [i, risk] of (['low', 'low', 'medium', 'high'] as const).entries()) e(2 * MIN + i * 15 * MIN, 'mfa.login.started', { 'mfa.flow_id': `fk${i}`, 'mfa.reason': 'password_verified', 'mfa.intent': 'login' }, { user: `risk-${i}`, risk, signals: signals[i], network: i === 3 ? '192.0.2.0/24' : undefined })

  // One failed sign-in end to end, with its trace: password, risk, a wrong code, SMS send, the right code.
  const who = { user: 'flow-user', client: 'android', risk: 'medium' }
  const span = (id: string) => ({ traceId: TRACE, spanId: id })
  e(60 * MIN, 'mfa.login.started', { 'mfa.flow_id': FLOW, 'mfa.reason': 'password_verified', 'mfa.intent': 'login' }, who, span('00f067aa0ba902b7'))
  e(60 * MIN + 0.25, 'mfa.challenge.issued', { 'mfa.flow_id': FLOW, 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.reason': 'login_required', 'mfa.intent': 'login' }, who, span('00f067aa0ba902b7'))
  e(60 * MIN + 0.6, 'mfa.provider.request', { 'mfa.flow_id': FLOW, 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.provider': 'twilio', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 340, 'mfa.provider_message_id': 'SM-flow', 'mfa.cost_micros': 7900 }, who, span('00f067aa0ba902b7'))
  e(60 * MIN + 20, 'mfa.challenge.verified', { 'mfa.flow_id': FLOW, 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.provider': 'twilio', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.attempt': 1, 'mfa.latency_ms': 19400, 'mfa.intent': 'login' }, who, span('a1b2c3d4e5f60718'))
  e(60 * MIN + 31, 'mfa.challenge.verified', { 'mfa.flow_id': FLOW, 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.provider': 'twilio', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.attempt': 2, 'mfa.latency_ms': 30400, 'mfa.intent': 'login' }, who, span('b1b2c3d4e5f60718'))
  e(60 * MIN + 31.1, 'mfa.login.completed', { 'mfa.flow_id': FLOW, 'mfa.outcome': 'success', 'mfa.reason': 'mfa_satisfied', 'mfa.factor': 'sms', 'mfa.intent': 'login' }, who, span('b1b2c3d4e5f60718'))

  // Provider queue: one receipted send, one past the receipt deadline, one still in flight (window ends at t0 + 2 h).
  const send = (at: number, id: string) => e(at, 'mfa.provider.request', { 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.provider': 'vonage', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 200, 'mfa.provider_message_id': id, 'mfa.cost_micros': 6500 })
  send(70 * MIN, 'VN-1'); send(80 * MIN, 'VN-2'); send(120 * MIN - 30, 'VN-3')
  e(70 * MIN + 5, 'mfa.provider.delivery', { 'mfa.channel': 'sms', 'mfa.provider': 'vonage', 'mfa.outcome': 'success', 'mfa.reason': 'delivered', 'mfa.latency_ms': 5000, 'mfa.provider_message_id': 'VN-1' })

  const s = (spanId: string, parentSpanId: string, name: string, atS: number, durMs: number, status: 'Ok' | 'Error' = 'Ok'): SpanRecord =>
    ({ traceId: TRACE, spanId, parentSpanId, name, startMs: t0 + atS * 1000, durMs, status })
  const spanRecords = [
    s('00f067aa0ba902b7', '', 'POST /login', 60 * MIN - 0.2, 820),
    s('00f067aa0ba902b8', '00f067aa0ba902b7', 'password.verify', 60 * MIN - 0.19, 180),
    s('00f067aa0ba902b9', '00f067aa0ba902b7', 'risk.assess', 60 * MIN, 12),
    s('00f067aa0ba902ba', '00f067aa0ba902b7', 'vendor.send sms', 60 * MIN + 0.26, 340),
    s('a1b2c3d4e5f60718', '', 'POST /login/verify', 60 * MIN + 19.9, 60, 'Error'),
    s('a1b2c3d4e5f60719', 'a1b2c3d4e5f60718', 'sms.verify', 60 * MIN + 19.92, 8, 'Error'),
    s('b1b2c3d4e5f60718', '', 'POST /login/verify', 60 * MIN + 30.9, 70),
    s('b1b2c3d4e5f60719', 'b1b2c3d4e5f60718', 'sms.verify', 60 * MIN + 30.92, 9),
  ]
  const rows = records.map((r) => mfaEventRow({ tsMs: r.tsMs, service: 'reference-idp', attrs: r.attrs, traceId: r.traceId, spanId: r.spanId }))
  const spans = spanRecords.map((x) => ({
    Timestamp: `${chTime(x.startMs)}000000`, TraceId: x.traceId, SpanId: x.spanId, ParentSpanId: x.parentSpanId, TraceState: '', SpanName: x.name, SpanKind: 'Internal',
    ServiceName: 'reference-idp', ResourceAttributes: {}, ScopeName: 'reference-idp', ScopeVersion: '', SpanAttributes: { 'mfa.flow_id': FLOW }, Duration: x.durMs * 1e6,
    StatusCode: x.status, StatusMessage: '', 'Events.Timestamp': [], 'Events.Name': [], 'Events.Attributes': [], 'Links.TraceId': [], 'Links.SpanId': [], 'Links.TraceState': [], 'Links.Attributes': [],
  }))
  return { rows, spans, records, spanRecords }
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString()
const kv = (attrs: Record<string, string | number>) =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }))
const RESOURCE = { attributes: kv({ 'service.name': 'reference-idp' }) }

/** OTLP/JSON export requests of the events and spans, as an OTel SDK would send them. */
export function otlpJson(records: EventRecord[], spans: SpanRecord[]): { logs: string; traces: string } {
  const logRecords = records.map((r) => ({ timeUnixNano: nanos(r.tsMs), observedTimeUnixNano: nanos(r.tsMs), severityNumber: 9, severityText: 'INFO', attributes: kv(r.attrs), ...(r.traceId ? { traceId: r.traceId, spanId: r.spanId } : {}) }))
  const otSpans = spans.map((x) => ({
    traceId: x.traceId, spanId: x.spanId, ...(x.parentSpanId ? { parentSpanId: x.parentSpanId } : {}), name: x.name, kind: 1,
    startTimeUnixNano: nanos(x.startMs), endTimeUnixNano: nanos(x.startMs + x.durMs), attributes: kv({ 'mfa.flow_id': FLOW }), status: { code: x.status === 'Error' ? 2 : 1 },
  }))
  return {
    logs: JSON.stringify({ resourceLogs: [{ resource: RESOURCE, scopeLogs: [{ scope: { name: 'reference-idp' }, logRecords }] }] }),
    traces: JSON.stringify({ resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ scope: { name: 'reference-idp' }, spans: otSpans }] }] }),
  }
}
