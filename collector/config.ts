import { parseEnv } from '../contract/env'
import { parseApiTokens, parseIngestTokens, type ParseResult } from '../contract/access'
import { z } from 'zod'
import { defaultDecodeWorkers } from './otlp/decode-pool'
import { DEFAULT_OTLP_LIMITS as OTLP } from './otlp/limits'

/** A token list (contract/access.ts) as a config field: a bad entry is one issue naming it, never the token. */
const tokenList = <T>(parse: (s: string | undefined) => ParseResult<Map<string, T>>) => z.string().optional().transform((s, ctx) => {
  const r = parse(s)
  if (r.ok) return r.value
  ctx.addIssue({ code: 'custom', message: r.message.replace(/^COLLECTOR_(API|INGEST)_TOKENS /, '') })
  return z.NEVER
})

/** Collector environment, read and validated once at start-up. */
export const CollectorConfig = z.object({
  host: z.string().default('127.0.0.1'),
  otlpPort: z.coerce.number().int().min(0).max(65535).default(4318),
  queryPort: z.coerce.number().int().min(0).max(65535).default(4320),
  dataDir: z.string().default('./.data'),
  clickhouseUrl: z.string().url().optional(),
  clickhouseUser: z.string().default('default'),
  clickhousePassword: z.string().default(''),
  clickhouseDatabase: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier').default('factorwatch'),
  clickhouseCluster: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /** Embedded chDB: connections the query API spreads its statements over (collector/storage/chdb-pool.ts): one per core of the machine it was tuned on. */
  chdbQueryConnections: z.coerce.number().int().min(1).max(16).default(2),
  chdbBackgroundNice: z.coerce.number().int().min(0).max(19).default(10),
  maxBodyBytes: z.coerce.number().int().positive().default(16 * 1024 * 1024),
  /** Write path (collector/ingest/spool.ts, batcher.ts): rows per INSERT, or at most this wait for more. */
  batchRows: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  batchMs: z.coerce.number().int().min(1).max(60_000).default(250),
  /** Backlog in the spool not yet inserted beyond which exports get 503 + Retry-After. */
  maxSpoolBytes: z.coerce.number().int().positive().default(512 * 1024 * 1024),
  /** … or whose oldest rows are older than this (0: no age limit). */
  maxSpoolAgeS: z.coerce.number().int().min(0).default(300),
  /** An INSERT still running after this is abandoned and retried (a hanging server). */
  insertTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** fdatasync the spool before acknowledging (1). 0 survives a process crash but not a power loss. */
  spoolFsync: z.preprocess((v) => (v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : v), z.boolean()).default(true),
  eventsTtlDays: z.coerce.number().int().positive().default(400),
  /** Receiver limits (collector/otlp/limits.ts): AnyValue depth, attributes per set, bytes per value. */
  otlpMaxDepth: z.coerce.number().int().min(1).max(1000).default(OTLP.maxDepth),
  otlpMaxAttributes: z.coerce.number().int().min(1).max(1_000_000).default(OTLP.maxAttributes),
  otlpMaxAttributeValueBytes: z.coerce.number().int().min(16).default(OTLP.maxAttributeValueBytes),
  /** Exports decoded or written at once, bodies being received at once, bytes they hold (default 4 × OTLP_MAX_BODY_BYTES). */
  otlpMaxInFlight: z.coerce.number().int().min(1).max(10_000).default(16),
  otlpMaxReading: z.coerce.number().int().min(1).max(100_000).default(OTLP.maxReading),
  /** Worker threads decoding exports and building their rows; 0 decodes on the main thread. Default: cores − 1, from 1 to 4. */
  otlpDecodeWorkers: z.coerce.number().int().min(0).max(64).default(defaultDecodeWorkers()),
  otlpMaxInFlightBytes: z.coerce.number().int().positive().optional(),
  /** Per-connection deadlines: headers, the whole request, the longest pause inside a body. */
  otlpHeadersTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(OTLP.headersTimeoutMs),
  otlpRequestTimeoutMs: z.coerce.number().int().min(100).max(3_600_000).default(OTLP.requestTimeoutMs),
  otlpBodyIdleTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(OTLP.bodyIdleTimeoutMs),
  /** /healthz: free bytes on the data directory's disk below which it is degraded, and failing. */
  healthDiskDegradedFreeBytes: z.coerce.number().int().min(0).default(1024 * 1024 * 1024),
  healthDiskFailingFreeBytes: z.coerce.number().int().min(0).default(128 * 1024 * 1024),
  slosFile: z.string().optional(),
  alertsFile: z.string().optional(),
  maintenanceFile: z.string().optional(),
  enrollmentTargetsFile: z.string().optional(),
  alertmanagerUrls: z.string().optional().transform((s, ctx) => {
    const urls = (s ?? '').split(',').map((u) => u.trim()).filter(Boolean)
    for (const u of urls) if (!z.url({ protocol: /^https?$/ }).safeParse(u).success) ctx.addIssue({ code: 'custom', message: `got ${JSON.stringify(u.slice(0, 100))}, expected http(s) URLs separated by commas` })
    return urls
  }),
  alertWebhookUrls: z.string().optional().transform((s, ctx) => {
    const urls = (s ?? '').split(',').map((u) => u.trim()).filter(Boolean)
    for (const u of urls) if (!z.url({ protocol: /^https?$/ }).safeParse(u).success) ctx.addIssue({ code: 'custom', message: `got a value that is not an http(s) URL, expected http(s) URLs separated by commas` })
    return urls
  }),
  alertIntervalS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often hours of flows are finalized into the flow rollup (collector/query/flow-rollup-job.ts). */
  flowRollupIntervalS: z.coerce.number().int().min(1).max(3600).default(60),
  publicUrl: z.string().url().optional(),
  /** Game days: the reference IdP's fault API, the provider simulator, and the key that signs the IdP's service assertions. */
  gamedaysDir: z.string().optional(),
  idpUrl: z.url({ protocol: /^https?$/ }).optional(),
  simulatorUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** A private EC P-256 JWK with kid; its public half is in the IdP's IDP_SERVICE_KEYS. Checked by the game-day setup (never echoed). */
  idpServiceKey: z.string().optional(),
  gamedayTickMs: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** How long a fault outlives its step at the IdP (its own expiry): the backstop if the collector dies. */
  gamedayMarginS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Trailing window of the MFA SLI ratios and latencies on /metrics. */
  sliWindowS: z.coerce.number().int().min(60).max(86_400).default(300),
  /** How long one read of the SLIs from ClickHouse serves scrapes. */
  sliCacheS: z.coerce.number().int().min(0).max(3600).default(15),
  /** Bearer tokens of the query and control API, `role:token,…` (roles of contract/access.ts, or console); empty: the API is open. */
  apiTokens: tokenList(parseApiTokens),
  /** OTLP producer tokens, `tenant:token,…`; empty: ingest is open and every record is tenant `default`. */
  ingestTokens: tokenList(parseIngestTokens),
}).superRefine((c, ctx) => {
  // Node refuses a headers deadline longer than the request's; a failing level above the degraded one is a typo.
  if (c.otlpHeadersTimeoutMs > c.otlpRequestTimeoutMs) ctx.addIssue({ code: 'custom', path: ['otlpHeadersTimeoutMs'], message: `${c.otlpHeadersTimeoutMs} ms is longer than OTLP_REQUEST_TIMEOUT_MS (${c.otlpRequestTimeoutMs} ms)` })
  if (c.healthDiskFailingFreeBytes > c.healthDiskDegradedFreeBytes) ctx.addIssue({ code: 'custom', path: ['healthDiskFailingFreeBytes'], message: `${c.healthDiskFailingFreeBytes} is above HEALTH_DISK_DEGRADED_FREE_BYTES (${c.healthDiskDegradedFreeBytes})` })
})
export type CollectorConfig = z.infer<typeof CollectorConfig>

const ENV_KEYS: Record<keyof CollectorConfig, string> = {
  host: 'COLLECTOR_HOST',
  otlpPort: 'COLLECTOR_OTLP_PORT',
  queryPort: 'COLLECTOR_QUERY_PORT',
  dataDir: 'FACTORWATCH_DATA_DIR',
  clickhouseUrl: 'CLICKHOUSE_URL',
  clickhouseUser: 'CLICKHOUSE_USER',
  clickhousePassword: 'CLICKHOUSE_PASSWORD',
  clickhouseDatabase: 'CLICKHOUSE_DATABASE',
  clickhouseCluster: 'CLICKHOUSE_CLUSTER',
  chdbQueryConnections: 'CHDB_QUERY_CONNECTIONS',
  chdbBackgroundNice: 'CHDB_BACKGROUND_NICE',
  maxBodyBytes: 'OTLP_MAX_BODY_BYTES',
  batchRows: 'OTLP_BATCH_ROWS',
  batchMs: 'OTLP_BATCH_MS',
  maxSpoolBytes: 'OTLP_MAX_SPOOL_BYTES',
  maxSpoolAgeS: 'OTLP_MAX_SPOOL_AGE_S',
  insertTimeoutMs: 'OTLP_INSERT_TIMEOUT_MS',
  spoolFsync: 'OTLP_SPOOL_FSYNC',
  eventsTtlDays: 'MFA_EVENTS_TTL_DAYS',
  otlpMaxDepth: 'OTLP_MAX_DEPTH',
  otlpMaxAttributes: 'OTLP_MAX_ATTRIBUTES',
  otlpMaxAttributeValueBytes: 'OTLP_MAX_ATTRIBUTE_VALUE_BYTES',
  otlpMaxInFlight: 'OTLP_MAX_IN_FLIGHT',
  otlpMaxReading: 'OTLP_MAX_READING',
  otlpMaxInFlightBytes: 'OTLP_MAX_IN_FLIGHT_BYTES',
  otlpDecodeWorkers: 'OTLP_DECODE_WORKERS',
  otlpHeadersTimeoutMs: 'OTLP_HEADERS_TIMEOUT_MS',
  otlpRequestTimeoutMs: 'OTLP_REQUEST_TIMEOUT_MS',
  otlpBodyIdleTimeoutMs: 'OTLP_BODY_IDLE_TIMEOUT_MS',
  healthDiskDegradedFreeBytes: 'HEALTH_DISK_DEGRADED_FREE_BYTES',
  healthDiskFailingFreeBytes: 'HEALTH_DISK_FAILING_FREE_BYTES',
  slosFile: 'FACTORWATCH_SLOS_FILE',
  alertsFile: 'FACTORWATCH_ALERTS_FILE',
  maintenanceFile: 'FACTORWATCH_MAINTENANCE_FILE',
  enrollmentTargetsFile: 'FACTORWATCH_ENROLLMENT_TARGETS_FILE',
  alertmanagerUrls: 'ALERTMANAGER_URL',
  alertWebhookUrls: 'ALERT_WEBHOOK_URL',
  alertIntervalS: 'ALERT_EVAL_INTERVAL_S',
  flowRollupIntervalS: 'FLOW_ROLLUP_INTERVAL_S',
  publicUrl: 'COLLECTOR_PUBLIC_URL',
  gamedaysDir: 'FACTORWATCH_GAMEDAYS_DIR',
  idpUrl: 'COLLECTOR_IDP_URL',
  simulatorUrl: 'COLLECTOR_SIMULATOR_URL',
  idpServiceKey: 'COLLECTOR_IDP_SERVICE_KEY',
  gamedayTickMs: 'GAMEDAY_TICK_MS',
  gamedayMarginS: 'GAMEDAY_FAULT_MARGIN_S',
  sliWindowS: 'PROMETHEUS_SLI_WINDOW_S',
  sliCacheS: 'PROMETHEUS_SLI_CACHE_S',
  apiTokens: 'COLLECTOR_API_TOKENS',
  ingestTokens: 'COLLECTOR_INGEST_TOKENS',
}

/** The OTLP receiver's limits from the configuration (createOtlpServer's options). */
export function otlpServerLimits(c: CollectorConfig) {
  return {
    maxInFlight: c.otlpMaxInFlight,
    maxInFlightBytes: c.otlpMaxInFlightBytes,
    decodeWorkers: c.otlpDecodeWorkers,
    limits: {
      maxDepth: c.otlpMaxDepth,
      maxAttributes: c.otlpMaxAttributes,
      maxAttributeValueBytes: c.otlpMaxAttributeValueBytes,
      ttlDays: c.eventsTtlDays,
      headersTimeoutMs: c.otlpHeadersTimeoutMs,
      requestTimeoutMs: c.otlpRequestTimeoutMs,
      bodyIdleTimeoutMs: c.otlpBodyIdleTimeoutMs,
      maxReading: c.otlpMaxReading,
    },
  }
}

/** Parse the environment; a bad value throws an error naming the variable. */
export function loadCollectorConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  return parseEnv(CollectorConfig, ENV_KEYS, env, overrides)
}
