import { z } from 'zod'
import { IngestConflictsResponse } from './ingest'
import { CircuitState } from './enums'
import { AttackReport, Breakdown, BypassReport, EnrollmentReport, ExecutiveSnapshot, FailuresReport, FlowTimeline, RecoveryReport, ReportWindow } from './security'

/**
 * Read side of the collector's query API (:4320, collector/query/README.md): metrics M1–M10,
 * outcomes, events, sub-processor health and the catalogue. The collector's handlers return
 * these types and a test parses every route's real answer with its schema; the console parses
 * the same schemas (or the fields of them it reads). Series points are `[bucketStartMs, ...]`
 * with buckets aligned to the epoch; ratios are 0..1, null without a denominator; latencies
 * are milliseconds; times outside series are ISO 8601 strings.
 */

const Count = z.number().int().nonnegative()
const Ratio = z.number().min(0).max(1).nullable()
const Ms = z.number().nonnegative().nullable()
/** Bucket start, epoch milliseconds. */
export const Ts = z.number().int()
const Iso = z.string()

export const FILTER_KEYS = ['factor', 'provider', 'region', 'user_group', 'client'] as const
export const FilterKey = z.enum(FILTER_KEYS)
export type FilterKey = z.infer<typeof FilterKey>

export const METRIC_IDS = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10'] as const
export const MetricId = z.enum(METRIC_IDS)
export type MetricId = z.infer<typeof MetricId>

/** The window an answer covers: `step` is the bucket length in seconds. */
export const WindowJson = ReportWindow
export type WindowJson = z.infer<typeof WindowJson>

/** Where counts and latencies were read: raw events or a rollup (per minute, five minutes or hour; the flow rollup's five-minute buckets). */
export const DataSource = z.enum(['raw', 'rollup_1m', 'rollup_5m', 'rollup_1h', 'flow_rollup_5m'])

export const Quantiles = z.object({ p50: Ms, p95: Ms, p99: Ms })
export type Quantiles = z.infer<typeof Quantiles>

// ---- /api/v1/metrics: what each metric's shaper returns ----

const ratioSeries = z.array(z.tuple([Ts, Ratio]))
const flowRatio = <K extends string>(hits: K) => z.object({ value: Ratio, series: ratioSeries, flows: Count }).extend({ [hits]: Count } as Record<K, typeof Count>)
const reasonCounts = z.object({ value: Count, series: z.array(z.tuple([Ts, Count])), by_reason: z.record(z.string(), Count) })

/** M5's classes of a failed verification, in the order of `series_split`. */
export const M5_SPLIT_ORDER = ['system_error', 'brute_force', 'user_error'] as const
const GroupCoverage = z.object({
  total: Count,
  coverage: Ratio,
  phishing_resistant_share: Ratio,
  factors: z.record(z.string(), z.object({ enrolled: Count, coverage: Ratio })),
})

export const METRIC_RESULTS = {
  M1: flowRatio('successful_flows'),
  M2: z.object({ value: Quantiles.nullable(), series: z.array(z.tuple([Ts, Ms, Ms, Ms])), count: Count }),
  M3: flowRatio('fallback_flows'),
  M4: reasonCounts,
  M5: z.object({
    value: Ratio,
    series: ratioSeries,
    /** `[t, rate of each class in split_order]`. */
    series_split: z.array(z.tuple([Ts, Ratio, Ratio, Ratio])),
    split_order: z.tuple([z.literal(M5_SPLIT_ORDER[0]), z.literal(M5_SPLIT_ORDER[1]), z.literal(M5_SPLIT_ORDER[2])]),
    attempts: Count,
    system_error: Count,
    brute_force: Count,
    user_error: Count,
    rates: z.object({ system_error: Ratio, brute_force: Ratio, user_error: Ratio }),
    lockouts: Count,
  }),
  M6: flowRatio('affected_flows'),
  M7: reasonCounts,
  M8: z.object({ value: Ratio, series: ratioSeries, phishing_resistant_share: Ratio, accounts: Count, by_group: z.record(z.string(), GroupCoverage) }),
  M9: z.object({ value: Ms, series: z.array(z.tuple([Ts, Ms])), count: Count }),
  M10: flowRatio('abandoned_flows').extend({ pending_flows: Count }),
} as const satisfies Record<MetricId, z.ZodObject>
export type MetricResults = { [K in MetricId]: z.infer<(typeof METRIC_RESULTS)[K]> }

/** What /api/v1/metrics adds to every metric: its source and the filters it does not honour. */
const metricMeta = { source: DataSource, ignored_filters: z.array(FilterKey).optional() }
export const M1Metric = METRIC_RESULTS.M1.extend(metricMeta)
export const M2Metric = METRIC_RESULTS.M2.extend(metricMeta)
export const M3Metric = METRIC_RESULTS.M3.extend(metricMeta)
export const M4Metric = METRIC_RESULTS.M4.extend(metricMeta)
export const M5Metric = METRIC_RESULTS.M5.extend(metricMeta)
export const M6Metric = METRIC_RESULTS.M6.extend(metricMeta)
export const M7Metric = METRIC_RESULTS.M7.extend(metricMeta)
export const M8Metric = METRIC_RESULTS.M8.extend(metricMeta)
export const M9Metric = METRIC_RESULTS.M9.extend(metricMeta)
export const M10Metric = METRIC_RESULTS.M10.extend(metricMeta)

/** `GET /api/v1/metrics?ids=…`: the window and each requested metric (only those). */
export const MetricsResponse = z.object({
  window: WindowJson,
  M1: M1Metric.optional(), M2: M2Metric.optional(), M3: M3Metric.optional(), M4: M4Metric.optional(), M5: M5Metric.optional(),
  M6: M6Metric.optional(), M7: M7Metric.optional(), M8: M8Metric.optional(), M9: M9Metric.optional(), M10: M10Metric.optional(),
})
export type MetricsResponse = z.infer<typeof MetricsResponse>

// ---- /api/v1/outcomes, /api/v1/events ----

export const OutcomeCounts = z.object({ totals: z.record(z.string(), Count), series: z.array(z.tuple([Ts, z.record(z.string(), Count)])) })
export type OutcomeCounts = z.infer<typeof OutcomeCounts>
/** Logins (mfa.login.completed) by outcome at the top level; verifications by outcome beside. */
export const OutcomesResponse = OutcomeCounts.extend({ window: WindowJson, source: DataSource, verifications: OutcomeCounts })
export type OutcomesResponse = z.infer<typeof OutcomesResponse>

const opt = z.string().optional()
/** One stored event: contract names without `mfa.`; empty strings and absent numbers are left out. */
export const EventJson = z.object({
  ts: Iso, event: z.string(), service: opt,
  event_id: opt, schema_version: opt, flow_id: opt, factor: opt, provider: opt, channel: opt, outcome: opt, reason: opt,
  user_hash: opt, user_group: opt, region: opt, country: opt, client: opt, risk_level: opt, gameday_id: opt, intent: opt,
  provider_message_id: opt, http_status_class: opt, fallback_from: opt, fallback_to: opt, circuit_state: opt,
  circuit_from_state: opt, trace_id: opt, span_id: opt,
  latency_ms: z.number().optional(), attempt: z.number().optional(), cost_micros: z.number().optional(),
  enrolled_count: z.number().optional(), total_count: z.number().optional(),
  /** Attributes outside the contract's columns, kept as sent. */
  attributes: z.record(z.string(), z.string()),
})
export type EventJson = z.infer<typeof EventJson>
export const EventsResponse = z.object({ events: z.array(EventJson) })
export type EventsResponse = z.infer<typeof EventsResponse>

// ---- /api/v1/providers, /api/v1/providers/series ----

export const CircuitTransition = z.object({ ts: Iso, from: z.string(), to: z.string(), reason: z.string() })
export const CircuitJson = z.object({
  /** Latest state before `to`; null when the provider never reported a circuit change. */
  state: CircuitState.nullable(),
  /** When that state began (its transition), ISO. */
  since: Iso.nullable(),
  /** Transitions inside the window (exact count); `transitions` holds the newest 200, oldest first. */
  transitions_in_window: Count,
  transitions: z.array(CircuitTransition),
})
export type CircuitJson = z.infer<typeof CircuitJson>

export const DeliveryQuantiles = z.object({ p50: Ms, p95: Ms })
export const ProviderHealth = z.object({
  provider: z.string(),
  channel: z.string(),
  requests: Count,
  successes: Count,
  errors: Count,
  availability: Ratio,
  error_rate: Ratio,
  by_reason: z.record(z.string(), Count),
  latency_ms: Quantiles.nullable(),
  delivery: z.object({ receipts: Count, delivered: Count, late: Count, success_rate: Ratio, time_to_delivery_ms: DeliveryQuantiles.nullable() }),
  /** Fallbacks into and away from this provider; share = in / requests. */
  fallback: z.object({ in: Count, out: Count, share: z.number().nonnegative().nullable(), in_by_reason: z.record(z.string(), Count), out_by_reason: z.record(z.string(), Count) }),
  cost: z.object({ total_micros: z.number().nonnegative(), successful_verifications: Count, per_successful_verification_micros: z.number().nonnegative().nullable() }),
  circuit: CircuitJson,
  /** `[t, requests, errors]` for every bucket. */
  series: z.array(z.tuple([Ts, Count, Count])),
})
export type ProviderHealth = z.infer<typeof ProviderHealth>

export const ProvidersResponse = z.object({ window: WindowJson, source: DataSource, providers: z.array(ProviderHealth) })
export type ProvidersResponse = z.infer<typeof ProvidersResponse>

export const PROVIDER_SERIES_COLUMNS = ['t', 'requests', 'errors', 'latency_p95_ms', 'deliveries', 'delivered'] as const
export const ProviderSeriesResponse = z.object({
  window: WindowJson,
  source: DataSource,
  provider: z.string(),
  channel: z.string().nullable(),
  columns: z.tuple([z.literal('t'), z.literal('requests'), z.literal('errors'), z.literal('latency_p95_ms'), z.literal('deliveries'), z.literal('delivered')]),
  /** One point per bucket, in `columns` order. */
  series: z.array(z.tuple([Ts, Count, Count, Ms, Count, Count])),
  totals: z.object({
    requests: Count, successes: Count, errors: Count, deliveries: Count, delivered: Count,
    availability: Ratio, error_rate: Ratio, delivery_success_rate: Ratio, latency_ms: Quantiles.nullable(),
  }),
  circuit: CircuitJson,
})
export type ProviderSeriesResponse = z.infer<typeof ProviderSeriesResponse>

// ---- /api/v1/metrics/catalogue, /healthz, errors ----

export const MetricUnit = z.enum(['ratio', 'ms', 'count'])
export const CatalogueResponse = z.object({
  metrics: z.array(z.object({ id: MetricId, title: z.string(), unit: MetricUnit, description: z.string(), filters: z.array(FilterKey) })),
  reports: z.array(z.object({ path: z.string(), title: z.string() })),
})
export type CatalogueResponse = z.infer<typeof CatalogueResponse>

const Transport = z.enum(['chdb', 'server'])
/** ok and degraded answer HTTP 200 (still serving), failing 503. */
export const HealthStatus = z.enum(['ok', 'degraded', 'failing'])
export type HealthStatus = z.infer<typeof HealthStatus>
/** One check of /healthz (disk, clickhouse, the write path, …) and why it is in its state. */
export const HealthCheckResult = z.object({ name: z.string(), status: HealthStatus, reason: z.string() })
export type HealthCheckResult = z.infer<typeof HealthCheckResult>
/** `status` is the worst of the checks'. */
export const HealthResponse = z.object({ status: HealthStatus, clickhouse: Transport, uptime_s: Count, checks: z.array(HealthCheckResult) })
export type HealthResponse = z.infer<typeof HealthResponse>

/** Every 4xx/5xx body of the query API; `parameter` names the request field at fault. */
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), parameter: z.string().optional() }) })
export type ErrorBody = z.infer<typeof ErrorBody>

/** Each GET route of the query API (collector/query/server.ts) and the schema of its 200 answer. */
export const QUERY_ROUTES = {
  '/healthz': HealthResponse,
  '/api/v1/metrics/catalogue': CatalogueResponse,
  '/api/v1/metrics': MetricsResponse,
  '/api/v1/outcomes': OutcomesResponse,
  '/api/v1/events': EventsResponse,
  '/api/v1/providers': ProvidersResponse,
  '/api/v1/providers/series': ProviderSeriesResponse,
  '/api/v1/security/enrollment': EnrollmentReport,
  '/api/v1/security/bypasses': BypassReport,
  '/api/v1/security/recovery': RecoveryReport,
  '/api/v1/security/attacks': AttackReport,
  '/api/v1/explore/breakdown': Breakdown,
  '/api/v1/executive': ExecutiveSnapshot,
  '/api/v1/explore/failures': FailuresReport,
  '/api/v1/explore/flow': FlowTimeline,
  '/api/v1/ingest/conflicts': IngestConflictsResponse,
} as const
export type QueryRoute = keyof typeof QUERY_ROUTES
export type QueryResponse<R extends QueryRoute> = z.infer<(typeof QUERY_ROUTES)[R]>
