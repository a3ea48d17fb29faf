import type { ClickHouseClient } from '@clickhouse/client'
import type { RecoveryReport } from '../../contract/security'
import { REASONS } from '../../contract'
import { recoveryStepsSql } from './recovery-sql'
import { runSql, windowJson } from './run'
import { FACTOR_CHANGE_WINDOW_MS, type ReportRequest, recoveryContextSql } from './security-sql'
import { fillSeries } from './series'
import { num } from './sql'
import type { QueryWindow, Row } from './types'

/**
 * The recovery report, decided in one pure function: steps, per-user context and the window in,
 * the report out. Admin recovery steps are paired by their request id (mfa.request_id); a step
 * without one (an older producer) falls back to the same user's open request, which is right
 * because the IdP allows one open request per user.
 */

export interface RecoveryStep {
  ms: number; reason: string; factor: string; user_hash: string; country: string; risk_level: string
  request_id: string; network: string; risk_signals: string[]
}
export interface UserContext { changes: number[]; logins: [number, string][] }
/** Recoveries by this many distinct users from one /24 or /48 flag each of them. */
export const MANY_FROM_ONE_NETWORK = 3
const DECIDED = new Set(['approved', 'denied', 'expired', 'completed'])
const STARTS = new Set(['requested', 'recovery_code_used'])
type Suspicious = RecoveryReport['suspicious'][number]

export function stepOf(r: Row): RecoveryStep {
  const signals = String(r.risk_signals ?? '')
  return {
    ms: num(r.ms), reason: String(r.reason), factor: String(r.factor ?? ''), user_hash: String(r.user_hash ?? ''), country: String(r.country ?? ''), risk_level: String(r.risk_level ?? ''),
    request_id: String(r.request_id ?? ''), network: String(r.network ?? ''), risk_signals: signals === '' ? [] : signals.split(','),
  }
}

export function contextOf(rows: Row[]): Map<string, UserContext> {
  const m = new Map<string, UserContext>()
  for (const r of rows) {
    const logins = (r.logins as [unknown, unknown][] | undefined ?? []).map(([t, c]) => [num(t), String(c)] as [number, string])
    m.set(String(r.user_hash), { changes: ((r.changes as unknown[]) ?? []).map(num), logins })
  }
  return m
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

interface Open { req: RecoveryStep; approved: boolean }

/** Requests still waiting at the end, and the waits request → approval of approvals in the window. */
function pairRequests(w: QueryWindow, steps: RecoveryStep[]): { open: RecoveryStep[]; waits: number[] } {
  const open = new Map<string, Open>()
  const waits: number[] = []
  /** A step without a request id: the same user's latest open request, whatever its key. */
  const keyOf = (s: RecoveryStep): string | undefined => {
    if (s.request_id) return `id:${s.request_id}`
    let best: [string, number] | undefined
    for (const [k, o] of open) if (o.req.user_hash === s.user_hash && (!best || o.req.ms > best[1])) best = [k, o.req.ms]
    return best?.[0]
  }
  for (const s of steps.filter((x) => x.factor === 'admin_recovery' && x.user_hash !== '')) {
    if (s.reason === 'requested') open.set(s.request_id ? `id:${s.request_id}` : `user:${s.user_hash}`, { req: s, approved: false })
    else if (DECIDED.has(s.reason)) {
      const key = keyOf(s)
      const o = key === undefined ? undefined : open.get(key)
      if (!o || key === undefined) continue
      if (s.reason === 'approved' && !o.approved && s.ms >= w.fromMs) waits.push(s.ms - o.req.ms)
      if (s.reason === 'approved') o.approved = true
      else open.delete(key)
    }
  }
  return { open: [...open.values()].filter((o) => !o.approved).map((o) => o.req).sort((a, b) => a.ms - b.ms), waits: waits.sort((a, b) => a - b) }
}

function tally<K extends string>(steps: RecoveryStep[], keyOf: (s: RecoveryStep) => string, name: K): ({ [P in K]: string } & { requests: number; users: number })[] {
  const m = new Map<string, { requests: number; users: Set<string> }>()
  for (const s of steps) {
    const c = m.get(keyOf(s)) ?? { requests: 0, users: new Set<string>() }
    c.requests += 1
    if (s.user_hash) c.users.add(s.user_hash)
    m.set(keyOf(s), c)
  }
  return [...m.entries()].map(([k, c]) => ({ [name]: k, requests: c.requests, users: c.users.size }) as { [P in K]: string } & { requests: number; users: number }).sort((a, b) => b.requests - a.requests)
}

function signalsOf(s: RecoveryStep, c: UserContext | undefined, busy: Set<string>): Suspicious['signals'] {
  const signals: Suspicious['signals'] = []
  if (c?.changes.some((t) => t < s.ms && s.ms - t <= FACTOR_CHANGE_WINDOW_MS)) signals.push('after_factor_change')
  const before = (c?.logins ?? []).filter(([t]) => t < s.ms)
  if (s.risk_signals.includes('new_country') || (s.country && before.length > 0 && !before.some(([, country]) => country === s.country))) signals.push('new_country')
  if (s.risk_level === 'high') signals.push('high_risk')
  if (s.risk_signals.includes('known_bad_ip')) signals.push('blocklisted_network')
  if (s.network && busy.has(s.network)) signals.push('many_from_network')
  return signals
}

export function buildRecoveryReport(w: QueryWindow, steps: RecoveryStep[], ctx: Map<string, UserContext>): Omit<RecoveryReport, 'window' | 'not_in_telemetry'> {
  const inWindow = steps.filter((s) => s.ms >= w.fromMs && s.ms < w.toMs)
  const byReason: Record<string, number> = Object.fromEntries(REASONS['mfa.recovery'].map((r) => [r, 0]))
  for (const s of inWindow) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1
  const { open, waits } = pairRequests(w, steps)
  const starts = inWindow.filter((x) => STARTS.has(x.reason))
  const byNetwork = tally(starts, (s) => s.network || 'unknown', 'network')
  const busy = new Set(byNetwork.filter((n) => n.network !== 'unknown' && n.users >= MANY_FROM_ONE_NETWORK).map((n) => n.network))
  const suspicious: Suspicious[] = []
  for (const s of starts.filter((x) => x.user_hash !== '')) {
    const signals = signalsOf(s, ctx.get(s.user_hash), busy)
    if (signals.length > 0) suspicious.push({ ts: new Date(s.ms).toISOString(), user_hash: s.user_hash, request_id: s.request_id || null, reason: s.reason, country: s.country || null, network: s.network || null, signals })
  }
  const seriesRows = inWindow.map((s) => ({ t: Math.floor(s.ms / (w.stepS * 1000)) * w.stepS * 1000, reason: s.reason }))
  return {
    by_reason: byReason,
    series: fillSeries(w, seriesRows, (b) => ['requested', 'approved', 'denied'].map((r) => b.filter((x) => x.reason === r).length) as [number, number, number]),
    time_to_approve_ms: { n: waits.length, p50: quantile(waits, 0.5), p95: quantile(waits, 0.95) },
    backlog: open.map((r) => ({ user_hash: r.user_hash, request_id: r.request_id || null, requested_at: new Date(r.ms).toISOString(), age_ms: Math.max(0, w.toMs - r.ms), network: r.network || null })),
    by_country: tally(starts, (s) => s.country || 'unknown', 'country'),
    by_network: byNetwork,
    many_from_network_threshold: MANY_FROM_ONE_NETWORK,
    suspicious: suspicious.reverse(),
  }
}

export async function runRecovery(client: ClickHouseClient, req: ReportRequest): Promise<RecoveryReport> {
  const [stepRows, ctxRows] = await Promise.all([runSql(client, recoveryStepsSql(req)), runSql(client, recoveryContextSql(req))])
  const steps = stepRows.map(stepOf)
  const ctx = contextOf(ctxRows)
  return { window: windowJson(req.window), ...buildRecoveryReport(req.window, steps, ctx), not_in_telemetry: ['free-text reasons of a request or decision: the IdP keeps them in its audit log'] }
}
