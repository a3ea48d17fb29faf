import type { RecoveryReport } from '../../contract/security'
import { REASONS } from '../../contract'
import { FACTOR_CHANGE_WINDOW_MS } from './security-sql'
import { fillSeries } from './series'
import { num } from './sql'
import type { QueryWindow, Row } from './types'

/**
 * The recovery report, decided in one pure function: steps, per-user context and the window in,
 * the report out. Admin recovery events carry no request id, so a request is paired with the
 * next decision of the same user (one open request per user is all the IdP allows).
 */

export interface RecoveryStep { ms: number; reason: string; factor: string; user_hash: string; country: string; risk_level: string }
export interface UserContext { changes: number[]; logins: [number, string][] }
/** Recoveries from one country by this many users or more are flagged (network is not an attribute). */
export const MANY_FROM_ONE_COUNTRY = 5
const DECIDED = new Set(['approved', 'denied', 'expired', 'completed'])
const STARTS = new Set(['requested', 'recovery_code_used'])

export function stepOf(r: Row): RecoveryStep {
  return { ms: num(r.ms), reason: String(r.reason), factor: String(r.factor ?? ''), user_hash: String(r.user_hash ?? ''), country: String(r.country ?? ''), risk_level: String(r.risk_level ?? '') }
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

export function buildRecoveryReport(w: QueryWindow, steps: RecoveryStep[], ctx: Map<string, UserContext>): Omit<RecoveryReport, 'window' | 'not_in_telemetry'> {
  const inWindow = steps.filter((s) => s.ms >= w.fromMs && s.ms < w.toMs)
  const byReason: Record<string, number> = Object.fromEntries(REASONS['mfa.recovery'].map((r) => [r, 0]))
  for (const s of inWindow) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1

  const openRequest = new Map<string, RecoveryStep>()
  const waits: number[] = []
  for (const s of steps.filter((x) => x.factor === 'admin_recovery' && x.user_hash !== '')) {
    if (s.reason === 'requested') openRequest.set(s.user_hash, s)
    else if (DECIDED.has(s.reason)) {
      const req = openRequest.get(s.user_hash)
      if (req && s.reason === 'approved' && s.ms >= w.fromMs) waits.push(s.ms - req.ms)
      if (s.reason !== 'approved') openRequest.delete(s.user_hash)
      else openRequest.set(s.user_hash, { ...req!, reason: 'approved' })
    }
  }
  waits.sort((a, b) => a - b)
  const backlog = [...openRequest.values()]
    .filter((r) => r.reason === 'requested')
    .sort((a, b) => a.ms - b.ms)
    .map((r) => ({ user_hash: r.user_hash, requested_at: new Date(r.ms).toISOString(), age_ms: Math.max(0, w.toMs - r.ms) }))

  const countries = new Map<string, { requests: number; users: Set<string> }>()
  for (const s of inWindow.filter((x) => STARTS.has(x.reason))) {
    const c = countries.get(s.country || 'unknown') ?? { requests: 0, users: new Set<string>() }
    c.requests += 1
    if (s.user_hash) c.users.add(s.user_hash)
    countries.set(s.country || 'unknown', c)
  }
  const suspicious: RecoveryReport['suspicious'] = []
  for (const s of inWindow.filter((x) => STARTS.has(x.reason) && x.user_hash !== '')) {
    const c = ctx.get(s.user_hash)
    const signals: RecoveryReport['suspicious'][number]['signals'] = []
    if (c?.changes.some((t) => t < s.ms && s.ms - t <= FACTOR_CHANGE_WINDOW_MS)) signals.push('after_factor_change')
    const before = (c?.logins ?? []).filter(([t]) => t < s.ms)
    if (s.country && before.length > 0 && !before.some(([, country]) => country === s.country)) signals.push('new_country')
    if (s.risk_level === 'high') signals.push('high_risk')
    if ((countries.get(s.country || 'unknown')?.users.size ?? 0) >= MANY_FROM_ONE_COUNTRY) signals.push('many_from_country')
    if (signals.length > 0) suspicious.push({ ts: new Date(s.ms).toISOString(), user_hash: s.user_hash, reason: s.reason, country: s.country || null, signals })
  }
  const seriesRows = inWindow.map((s) => ({ t: Math.floor(s.ms / (w.stepS * 1000)) * w.stepS * 1000, reason: s.reason }))
  return {
    by_reason: byReason,
    series: fillSeries(w, seriesRows, (b) => ['requested', 'approved', 'denied'].map((r) => b.filter((x) => x.reason === r).length) as [number, number, number]),
    time_to_approve_ms: { n: waits.length, p50: quantile(waits, 0.5), p95: quantile(waits, 0.95) },
    backlog,
    by_country: [...countries.entries()].map(([country, c]) => ({ country, requests: c.requests, users: c.users.size })).sort((a, b) => b.requests - a.requests),
    suspicious: suspicious.reverse(),
  }
}
