import type { ClickHouseClient } from '@clickhouse/client'
import type { MetricsResponse, ProviderHealth } from '../../contract/query'
import type { ExecutiveSnapshot } from '../../contract/security'
import { finalizedUntil } from './flow-rollup'
import { runMetrics, runSql, windowJson } from './run'
import { channelTotalsSql, providerSource, successfulVerificationsSql } from './providers'
import { num } from './sql'
import type { ReportRequest } from './security-sql'
import { ratio, round } from './series'
import { ROLLUP_AFTER_S } from './source'
import type { QueryWindow } from './types'

/**
 * The leadership snapshot: the catalogue's metrics and the providers' health, each for the
 * window and for the window of the same length just before it. Nothing is computed twice:
 * M1, M4, M7 and M8 come from the catalogue, availability and cost from /providers' shaping.
 */

interface Period {
  m: Pick<MetricsResponse, 'M1' | 'M4' | 'M7' | 'M8'>
  providers: (Pick<ProviderHealth, 'channel' | 'requests' | 'successes'> & { cost: Pick<ProviderHealth['cost'], 'total_micros' | 'successful_verifications'> })[]
}

/**
 * One bucket over the whole window: the snapshot wants totals, not series. A window long enough
 * for rollups gets a step of whole hours, so the hourly and flow rollups can answer it.
 */
export function wholeWindow(fromMs: number, toMs: number): QueryWindow {
  const s = Math.max(10, Math.round((toMs - fromMs) / 1000))
  return { fromMs, toMs, stepS: s > ROLLUP_AFTER_S ? Math.ceil(s / 3600) * 3600 : s }
}

export function previousWindow(w: QueryWindow): QueryWindow {
  return wholeWindow(2 * w.fromMs - w.toMs, w.fromMs)
}

/**
 * One period: the catalogue's metrics, and per channel the providers' requests, successes and
 * cost with the channel's successful verifications (two statements, not the sub-processor
 * table's four with their series and circuits).
 */
async function period(client: ClickHouseClient, w: QueryWindow, filters: ReportRequest['filters'], nowMs: number, finalized: () => Promise<number | null>): Promise<Period> {
  const s = providerSource(w)
  const [m, totals, verified] = await Promise.all([
    runMetrics(client, { ids: ['M1', 'M4', 'M7', 'M8'], window: w, filters }, nowMs, { finalized }),
    runSql(client, channelTotalsSql({ window: w }, s)),
    runSql(client, successfulVerificationsSql({ window: w }, s)),
  ])
  const byFactor = new Map(verified.map((r) => [String(r.factor), num(r.n)]))
  return {
    m,
    providers: totals.map((r) => ({
      channel: String(r.channel), requests: num(r.requests), successes: num(r.successes),
      cost: { total_micros: num(r.cost_total), successful_verifications: byFactor.get(String(r.channel)) ?? 0 },
    })),
  }
}

const numOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Pure: two periods → the snapshot's KPIs and cost per successful verification by channel. */
export function buildSnapshot(cur: Period, prev: Period): Pick<ExecutiveSnapshot, 'kpis' | 'cost_by_channel'> {
  const kpi = (p: Period) => {
    const rec = p.m.M4?.by_reason ?? {}
    const byp = p.m.M7?.by_reason ?? {}
    const requests = p.providers.reduce((a, x) => a + x.requests, 0)
    return {
      enrollment_coverage: numOrNull(p.m.M8?.value),
      mfa_success: numOrNull(p.m.M1?.value),
      bypass_incidents: numOrNull(p.m.M7?.value) ?? 0,
      break_glass: byp.break_glass ?? 0,
      provider_availability: ratio(p.providers.reduce((a, x) => a + x.successes, 0), requests),
      recovery_rate: ratio(rec.completed ?? 0, rec.requested ?? 0),
    }
  }
  const a = kpi(cur), b = kpi(prev)
  const ids = Object.keys(a) as (keyof typeof a)[]
  const cost = (p: Period) => {
    const m = new Map<string, { micros: number; successes: number }>()
    for (const x of p.providers) {
      const c = m.get(x.channel) ?? { micros: 0, successes: 0 }
      c.micros += x.cost.total_micros
      c.successes = Math.max(c.successes, x.cost.successful_verifications)
      m.set(x.channel, c)
    }
    return m
  }
  const ca = cost(cur), cb = cost(prev)
  const per = (c?: { micros: number; successes: number }) => (c && c.successes > 0 ? round(c.micros / c.successes, 1) : null)
  return {
    kpis: ids.map((id) => ({ id, current: a[id], previous: b[id], unit: id === 'bypass_incidents' || id === 'break_glass' ? 'count' as const : 'ratio' as const })),
    cost_by_channel: [...new Set([...ca.keys(), ...cb.keys()])].sort().map((channel) => ({ channel, current_micros: per(ca.get(channel)), previous_micros: per(cb.get(channel)), successes: ca.get(channel)?.successes ?? 0 })),
  }
}

export async function runExecutive(client: ClickHouseClient, req: ReportRequest, nowMs: number): Promise<ExecutiveSnapshot> {
  const w = wholeWindow(req.window.fromMs, req.window.toMs)
  const pw = previousWindow(w)
  let once: Promise<number | null> | undefined
  const finalized = () => (once ??= finalizedUntil(client))
  const [cur, prev] = await Promise.all([period(client, w, req.filters, nowMs, finalized), period(client, pw, req.filters, nowMs, finalized)])
  return { window: windowJson(req.window), previous: { from: new Date(pw.fromMs).toISOString(), to: new Date(pw.toMs).toISOString() }, ...buildSnapshot(cur, prev) }
}
