import type { ClickHouseClient } from '@clickhouse/client'
import { ATTR, REASONS } from '../../contract'
import type { BypassEvent, BypassReport, Exemption } from '../../contract/security'
import { isoFromClickHouse } from './events'
import { HISTORY, attr, historyParams } from './recovery-sql'
import { runSql, windowJson } from './run'
import { str } from './security-run'
import { type ReportRequest, bypassCountsSql, countSeriesSql, params, where } from './security-sql'
import { fillSeries } from './series'
import { SECURITY, filterSql, num } from './sql'
import { FILTER_KEYS, type QueryWindow, type Row, type SqlQuery } from './types'

/**
 * Bypasses and exceptions (M7): every use of a bypass (mfa.bypass) and every exemption from MFA
 * (mfa.exemption steps grouped by request id, the latest step deciding its state).
 */

/** An active exemption ending this soon after the report's end is "about to expire". */
export const EXPIRING_WITHIN_S = 24 * 3600

const USE_COLUMNS = `ts, reason AS kind, user_hash, user_group, flow_id, country, client,
  request_id AS request_id, ${attr(ATTR.requesterHash)} AS requester_hash, ${attr(ATTR.approverHash)} AS approver_hash`

export function bypassUsesSql(req: ReportRequest): SqlQuery {
  return { query: `SELECT ${USE_COLUMNS} FROM ${SECURITY} WHERE ${where(req, 'mfa.bypass')} ORDER BY ts DESC LIMIT 1 BY event_id LIMIT 500`, params: params(req) }
}

/** Exemption steps from the history before the window to its end, and the uses of each exemption. */
export function exemptionStepsSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT toUnixTimestamp64Milli(ts) AS ms, reason, user_hash, user_group,
  request_id AS request_id, ${attr(ATTR.bypassKind)} AS kind, ${attr(ATTR.requesterHash)} AS requester_hash,
  ${attr(ATTR.approverHash)} AS approver_hash, toUInt32OrNull(${attr(ATTR.durationS)}) AS duration_s
FROM ${SECURITY}
WHERE event = 'mfa.exemption' AND ${HISTORY} AND ${filterSql(req.filters, FILTER_KEYS)}
ORDER BY ts LIMIT 1 BY event_id LIMIT 20000`
  return { query, params: historyParams(req) }
}

export function exemptionUsesSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT request_id AS request_id, uniq(event_id) AS uses
FROM ${SECURITY}
WHERE event = 'mfa.bypass' AND ${HISTORY} AND ${filterSql(req.filters, FILTER_KEYS)} AND request_id != ''
GROUP BY request_id`
  return { query, params: historyParams(req) }
}

export interface ExemptionStep {
  ms: number; reason: string; request_id: string; kind: string; user_hash: string; user_group: string
  requester_hash: string; approver_hash: string; duration_s: number | null
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '')
const orNull = (v: string): string | null => (v === '' ? null : v)
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

export function exemptionStepOf(r: Row): ExemptionStep {
  return {
    ms: num(r.ms), reason: s(r.reason), request_id: s(r.request_id), kind: s(r.kind), user_hash: s(r.user_hash), user_group: s(r.user_group),
    requester_hash: s(r.requester_hash), approver_hash: s(r.approver_hash), duration_s: r.duration_s === null || r.duration_s === undefined ? null : num(r.duration_s),
  }
}

/** Equal timestamps: the step further along wins (a request and its approval in the same millisecond). */
const ORDER: Record<string, number> = { requested: 0, approved: 1, denied: 2, revoked: 2, expired: 3 }

/**
 * One exemption from its steps (any order), its uses and the report's end. The latest step wins;
 * an approved exemption past approval + duration is expired even when no expired event came
 * (the IdP's sweeper may not have run yet), and an admin override used at a sign-in is used.
 */
export function exemptionOf(steps: ExemptionStep[], uses: number, toMs: number): Exemption {
  const sorted = [...steps].sort((a, b) => a.ms - b.ms || (ORDER[a.reason] ?? 0) - (ORDER[b.reason] ?? 0))
  const last = sorted[sorted.length - 1]
  const requested = sorted.find((x) => x.reason === 'requested')
  const approved = sorted.filter((x) => x.reason === 'approved').pop()
  const pick = (f: (x: ExemptionStep) => string) => sorted.map(f).filter(Boolean).pop() ?? ''
  const kind = pick((x) => x.kind)
  const duration = approved?.duration_s ?? requested?.duration_s ?? null
  const expires = approved && duration !== null ? approved.ms + duration * 1000 : null
  let status: Exemption['status']
  let ended: number | null = null
  if (last.reason === 'requested') status = 'open'
  else if (last.reason === 'denied' || last.reason === 'revoked' || last.reason === 'expired') {
    status = last.reason
    ended = last.ms
  } else if (kind === 'admin_override' && uses > 0) status = 'used'
  else if (expires !== null && expires <= toMs) {
    status = 'expired'
    ended = expires
  } else status = expires !== null && expires - toMs <= EXPIRING_WITHIN_S * 1000 ? 'expiring' : 'active'
  return {
    request_id: last.request_id, kind, status, user_hash: orNull(pick((x) => x.user_hash)), user_group: orNull(pick((x) => x.user_group)),
    requester_hash: orNull(pick((x) => x.requester_hash)), approver_hash: orNull(approved?.approver_hash || pick((x) => x.approver_hash)),
    duration_s: duration, requested_at: iso(requested?.ms ?? null), approved_at: iso(approved?.ms ?? null), expires_at: iso(expires), ended_at: iso(ended), uses,
  }
}

const LIVE = new Set<Exemption['status']>(['open', 'active', 'expiring'])

/**
 * The exemptions a report over `w` shows: a step in the window, still open or active at its end,
 * or expired inside it; the latest step first.
 */
export function buildExemptions(w: QueryWindow, steps: ExemptionStep[], uses: Map<string, number>): Exemption[] {
  const byId = new Map<string, ExemptionStep[]>()
  for (const x of steps.filter((y) => y.request_id !== '')) byId.set(x.request_id, [...(byId.get(x.request_id) ?? []), x])
  const out: { e: Exemption; lastMs: number }[] = []
  for (const list of byId.values()) {
    const e = exemptionOf(list, uses.get(list[0].request_id) ?? 0, w.toMs)
    const lastMs = Math.max(...list.map((x) => x.ms))
    const endedInWindow = e.ended_at !== null && Date.parse(e.ended_at) >= w.fromMs
    if (lastMs >= w.fromMs || LIVE.has(e.status) || endedInWindow) out.push({ e, lastMs })
  }
  return out.sort((a, b) => b.lastMs - a.lastMs).map((x) => x.e)
}

const bypassEvent = (r: Row): BypassEvent => ({
  ts: isoFromClickHouse(r.ts), kind: String(r.kind), user_hash: str(r.user_hash), user_group: str(r.user_group), flow_id: str(r.flow_id), country: str(r.country), client: str(r.client),
  request_id: str(r.request_id), requester_hash: str(r.requester_hash), approver_hash: str(r.approver_hash),
})

export async function runBypasses(client: ClickHouseClient, req: ReportRequest): Promise<BypassReport> {
  const [useRows, counts, series, stepRows, useCounts] = await Promise.all([bypassUsesSql(req), bypassCountsSql(req), countSeriesSql(req, 'mfa.bypass'), exemptionStepsSql(req), exemptionUsesSql(req)].map((s) => runSql(client, s)))
  const events = useRows.map(bypassEvent)
  const steps = stepRows.map(exemptionStepOf)
  const uses = new Map(useCounts.map((r) => [String(r.request_id), num(r.uses)]))
  const zero = () => Object.fromEntries(REASONS['mfa.bypass'].map((k) => [k, 0]))
  const byKind: Record<string, number> = zero(), prev: Record<string, number> = zero()
  for (const r of counts) { byKind[String(r.reason)] = num(r.n); prev[String(r.reason)] = num(r.prev) }
  const exemptions = buildExemptions(req.window, steps, uses)
  return {
    window: windowJson(req.window),
    by_kind: byKind,
    previous_by_kind: prev,
    series: fillSeries(req.window, series, (b) => [b.reduce((a, r) => a + num(r.n), 0)]),
    events,
    exemptions,
    open: exemptions.filter((e) => e.status === 'open'),
    expiring: exemptions.filter((e) => e.status === 'expiring'),
    expiring_within_s: EXPIRING_WITHIN_S,
    incidents: exemptions.filter((e) => e.kind === 'break_glass'),
    unpaired_break_glass: events.filter((e) => e.kind === 'break_glass' && e.request_id === null),
    not_in_telemetry: ['free-text reasons for an exemption or its denial and revocation: the IdP keeps them in its audit log, the events carry only the kind'],
  }
}
