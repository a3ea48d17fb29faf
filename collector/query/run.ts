import type { ClickHouseClient } from '@clickhouse/client'
import { metricDef } from './catalogue'
import type { z } from 'zod'
import type { DataSource, EventsResponse, MetricsResponse, OutcomesResponse, ProviderSeriesResponse, ProvidersResponse, WindowJson } from '../../contract/query'
import { eventsSql, shapeEvent } from './events'
import { outcomesSql, shapeOutcomes } from './outcomes'
import { RAW, chooseSource } from './source'
import type { EventsRequest, MetricsRequest, OutcomesRequest, ProviderSeriesRequest, ProvidersRequest } from './params'
import { circuitsSql, providerBucketsSql, providerFallbacksSql, providerSeriesSql, providerSource, providerTotalsSql, successfulVerificationsSql } from './providers'
import { shapeProviderSeries, shapeProviders } from './providers-shape'
import { FILTER_KEYS, type MetricContext, type QueryWindow, type Row, type SqlQuery } from './types'
import { finalizedUntil, isFlowRollupMetric, rollupKey, rollupReadSql, splitWindow, tailContext } from './flow-rollup'

/** The thin shell around the pure builders: run SQL, hand rows to the shapers. Answers are contract/query.ts shapes. */

export const QUERY_TIMEOUT_MS = 30_000

export class StorageError extends Error {
  constructor(
    readonly code: 'storage_error' | 'query_timeout',
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message)
  }
}

export async function runSql(client: ClickHouseClient, q: SqlQuery, timeoutMs = QUERY_TIMEOUT_MS): Promise<Row[]> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const rs = await client.query({ query: q.query, query_params: q.params, format: 'JSONEachRow', abort_signal: signal })
    return await rs.json<Row>()
  } catch (err) {
    if (signal.aborted) throw new StorageError('query_timeout', `ClickHouse query did not finish within ${timeoutMs / 1000} s`, err)
    const e = err as { type?: string; message?: string }
    // The ClickHouse error type (MEMORY_LIMIT_EXCEEDED, …) is safe to show; the message may quote SQL.
    throw new StorageError('storage_error', `ClickHouse query failed: ${e.type ?? firstLine(e.message)}`, err)
  }
}

function firstLine(message: string | undefined): string {
  return (message ?? 'unknown error').split('\n')[0].replace(/\s*\(version [^)]*\)/, '').slice(0, 160)
}

export function windowJson(w: QueryWindow): WindowJson {
  return { from: new Date(w.fromMs).toISOString(), to: new Date(w.toMs).toISOString(), step: w.stepS }
}

/**
 * Every requested metric, side by side; the flow rollup's extent is read once for all of them (or
 * given, when a caller runs several windows at once).
 */
export async function runMetrics(client: ClickHouseClient, req: MetricsRequest, nowMs: number, shared: { finalized?: () => Promise<number | null> } = {}): Promise<MetricsResponse> {
  const out: MetricsResponse = { window: windowJson(req.window) }
  let finalized: Promise<number | null> | undefined
  const one = async (id: MetricsRequest['ids'][number]) => {
    const def = metricDef(id)
    const ctx: MetricContext = { window: req.window, filters: req.filters, nowMs, source: def.rollups ? chooseSource(req.window) : RAW }
    let rows: Row[]
    let source: z.infer<typeof DataSource> = ctx.source.name
    const flowMetric = isFlowRollupMetric(id) && chooseSource(req.window) !== RAW ? id : null
    const key = flowMetric ? rollupKey(flowMetric, ctx) : null
    const split = key ? splitWindow(ctx, await (finalized ??= shared.finalized?.() ?? finalizedUntil(client))) : null
    if (flowMetric && key && split !== null) {
      // Finalized hours from the flow rollup, the rest from raw events (flow-rollup.ts).
      const [done, tail] = await Promise.all([runSql(client, rollupReadSql(flowMetric, ctx, key, split)), runSql(client, def.sql(tailContext(ctx, split)))])
      rows = [...done, ...tail]
      source = 'flow_rollup_5m'
    } else rows = await runSql(client, def.sql(ctx))
    const ignored = FILTER_KEYS.filter((k) => k in req.filters && !def.filters.includes(k))
    return { id, value: { ...def.shape(rows, ctx), source, ...(ignored.length > 0 ? { ignored_filters: ignored } : {}) } }
  }
  // `def` and `id` agree (the catalogue is keyed by id); TypeScript cannot follow that through the map.
  for (const r of await Promise.all(req.ids.map(one))) Object.assign(out, { [r.id]: r.value })
  return out
}

export async function runOutcomes(client: ClickHouseClient, req: OutcomesRequest): Promise<OutcomesResponse> {
  const source = chooseSource(req.window)
  return { window: windowJson(req.window), source: source.name, ...shapeOutcomes(await runSql(client, outcomesSql(req, source)), req) }
}

export async function runEvents(client: ClickHouseClient, req: EventsRequest): Promise<EventsResponse> {
  return { events: (await runSql(client, eventsSql(req))).map(shapeEvent) }
}

/** Sub-processor health: five statements, side by side. */
export async function runProviders(client: ClickHouseClient, req: ProvidersRequest): Promise<ProvidersResponse> {
  const s = providerSource(req.window)
  const [totals, buckets, fallbacks, verifications, circuits] = await Promise.all([providerTotalsSql(req, s), providerBucketsSql(req, s), providerFallbacksSql(req, s), successfulVerificationsSql(req, s), circuitsSql(req)].map((q) => runSql(client, q)))
  return { window: windowJson(req.window), source: s.name, ...shapeProviders(req, { totals, buckets, fallbacks, verifications, circuits }) }
}

export async function runProviderSeries(client: ClickHouseClient, req: ProviderSeriesRequest): Promise<ProviderSeriesResponse> {
  const s = providerSource(req.window)
  const rows = await runSql(client, providerSeriesSql(req, s))
  const circuits = await runSql(client, circuitsSql(req))
  return { window: windowJson(req.window), source: s.name, ...shapeProviderSeries(req, rows, circuits) }
}
