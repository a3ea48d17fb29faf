import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { Gauge, Registry } from 'prom-client'
import { loadCollectorConfig, otlpServerLimits } from './config'
import { clickhouseCheck, diskCheck, HealthRegistry } from './health'
import { openWritePath } from './ingest/write-path'
import { createOtlpServer } from './otlp/server'
import { createQueryServer } from './query/server'
import { createFlowRollupJob } from './query/flow-rollup-job'
import { openClickHouse } from './storage/client'
import { threadPoolWarning } from './threadpool'
import { migrate } from './storage/migrate'
import { createAlerting, loadAlertingFiles, type LoadedRules } from './alerting/setup'
import { annotationRoutes } from './gamedays/annotations'
import { createGameDays, loadGameDayFiles } from './gamedays/setup'
import { standardProcessMetrics } from './prometheus/process'
import { AuditLog } from './access/audit-log'
import { auditRoutes } from './access/audit-api'
import { accessRoutes } from './access/routes-api'
import { createAccessGuard } from './access/guard'
import { ingestAuthorizer } from './access/ingest'
import { exposureWarning, routeTableProblems } from './access/routes'
import { registerMfaSlis } from './prometheus/sli-metrics'
import { systemClock } from '../contract/clock'
import { loadEnrollmentTargets } from '../dashboards/schema/enrollment-targets'

const log = (line: string) => process.stdout.write(`${line}\n`)

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
  })
}

async function main(): Promise<void> {
  // V8's allocation-site pretenuring sometimes decides, early in a process's life, that the
  // decoder's attribute objects live long and allocates them in the old generation; the young
  // values they point at then survive every scavenge until a full GC. In that mode (about one
  // process in three, measured) decoding an export took 2.5x as long, over half of it GC. Off,
  // for the main thread and the decode workers alike (V8 flags are per process): docs/ingest.md.
  setFlagsFromString('--no-allocation-site-pretenuring')
  let config
  let rules: LoadedRules
  let gamedayFiles: ReturnType<typeof loadGameDayFiles>
  let enrollmentTargets: ReturnType<typeof loadEnrollmentTargets>
  try {
    config = loadCollectorConfig()
    // Rule files are checked before anything starts: a bad one names file, path and reason.
    rules = loadAlertingFiles(config)
    gamedayFiles = loadGameDayFiles(config)
    enrollmentTargets = loadEnrollmentTargets(config.enrollmentTargetsFile)
  } catch (err) {
    process.stderr.write(`collector: ${(err as Error).message}\n`)
    process.exit(2)
  }
  // The process's one clock: the query API's windows and the alert engine's evaluations read it.
  const clock = systemClock
  const now = () => clock.now()
  const ch = await openClickHouse(config)
  log(`clickhouse: ${ch.transport === 'chdb' ? `embedded chDB in ${config.dataDir}, ${config.chdbQueryConnections} query connections` : config.clickhouseUrl}`)
  const threads = ch.transport === 'chdb' ? threadPoolWarning(process.env, config.chdbQueryConnections) : undefined
  if (threads) log(threads)
  await migrate(ch.client, { cluster: config.clickhouseCluster, ttlDays: config.eventsTtlDays }, log)

  const registry = new Registry()
  standardProcessMetrics(registry)
  // The MFA health SLIs (M1–M10), read from ClickHouse when Prometheus scrapes /metrics.
  registerMfaSlis({ client: ch.client, registry, now, windowMs: config.sliWindowS * 1000, cacheMs: config.sliCacheS * 1000, log })
  // Exports are acknowledged once durable in <dataDir>/spool and inserted in batches behind it;
  // what an earlier run left in the spool is inserted first.
  const writer = await openWritePath({ config, client: ch.ingest, registry, now, log })
  // /healthz (query and OTLP ports): the data directory's disk, ClickHouse; the write path adds its own check.
  const health = new HealthRegistry()
    .register(diskCheck(config.dataDir, { degradedBelowBytes: config.healthDiskDegradedFreeBytes, failingBelowBytes: config.healthDiskFailingFreeBytes }))
    .register(clickhouseCheck(ch.client, ch.transport))
    .register({ name: 'write path', check: async () => writer.health() })
  const otlp = createOtlpServer({ client: ch.client, writer, maxBodyBytes: config.maxBodyBytes, registry, log, authorizeIngest: ingestAuthorizer(config.ingestTokens), ...otlpServerLimits(config), health })
  // The query server is created before its port is known; routes read the engine lazily.
  // Access (collector/access): bearer tokens and roles on every route, an audit record of every action and refusal.
  const audit = new AuditLog(ch.client, log, registry)
  const access = createAccessGuard({ tokens: config.apiTokens, audit, now })
  const extraRoutes: Parameters<typeof createQueryServer>[0]['extraRoutes'] = [...auditRoutes(audit, now)]
  const query = createQueryServer({ client: ch.client, transport: ch.transport, registry, log, extraRoutes, now, access, health, enrollmentTargets })
  extraRoutes.push(...accessRoutes(() => query.routes()))
  const otlpPort = await listen(otlp, config.host, config.otlpPort)
  const queryPort = await listen(query, config.host, config.queryPort)
  // Finalized-flow rollups for the flow metrics over long windows (collector/query/flow-rollup.ts).
  const flowLag = new Gauge({ name: 'factorwatch_flow_rollup_lag_seconds', help: 'How far behind now the newest finalized hour of the flow rollup ends (about 25 min when caught up)', registers: [registry] })
  // NaN until a run ends (and while runs fail): 0 would read as "caught up" before anything is finalized.
  flowLag.set(Number.NaN)
  const flowRollup = createFlowRollupJob({ client: ch.client, now, log, onRun: (r) => flowLag.set((r.nowMs - r.finalizedUntilMs) / 1000) })
  flowRollup.start(config.flowRollupIntervalS * 1000)
  const alerting = createAlerting(config, rules, ch.client, queryPort, now, log)
  await alerting.engine.init()
  extraRoutes.push(...alerting.routes)
  alerting.engine.start()
  // Game days: before serving, revert whatever a previous process left running.
  const gamedays = createGameDays(config, gamedayFiles, ch.client, rules.rules.slos, now, log)
  const reverted = await gamedays.controller.init()
  extraRoutes.push(...gamedays.routes, ...annotationRoutes(ch.client, now))
  gamedays.controller.start()
  log(`gamedays: ${gamedayFiles.scenarios.length} scenarios, IdP ${config.idpUrl ?? 'not set (COLLECTOR_IDP_URL)'}${config.idpServiceKey ? '' : ' without a service key (COLLECTOR_IDP_SERVICE_KEY)'}, simulator ${config.simulatorUrl ?? 'not set (COLLECTOR_SIMULATOR_URL)'}${reverted.length ? `; reverted ${reverted.length} unfinished: ${reverted.map((r) => r.id).join(', ')}` : ''}`)
  log(`alerting: ${rules.rules.slos.length} SLOs, ${rules.rules.rules.length} rules, every ${config.alertIntervalS} s${config.alertmanagerUrls.length > 0 ? `, Alertmanager ${config.alertmanagerUrls.join(', ')}` : ''}${config.alertWebhookUrls.length > 0 ? `, ${config.alertWebhookUrls.length} webhook(s)` : ''}`)
  // Every route declares what a caller needs; a table with one that does not is refused before serving is announced.
  const problems = routeTableProblems(query.routes())
  if (problems.length > 0) {
    process.stderr.write(`collector: route table refused: ${problems.join('; ')}\n`)
    process.exit(2)
  }
  const warning = exposureWarning(config.host, config.apiTokens.size, config.ingestTokens.size)
  if (warning) log(warning)
  log(`access: ${config.apiTokens.size > 0 ? `${config.apiTokens.size} API token(s)` : 'API open (no COLLECTOR_API_TOKENS)'}; ingest ${config.ingestTokens.size > 0 ? `${new Set(config.ingestTokens.values()).size} tenant(s)` : 'open, tenant default'}`)
  log(`collector otlp listening on http://${config.host}:${otlpPort}`)
  log(`collector query listening on http://${config.host}:${queryPort}`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log(`collector: ${signal}, draining`)
    // Stop accepting, let in-flight exports finish their inserts, then release chDB's lock.
    await gamedays.controller.stop()
    await alerting.engine.stop()
    await flowRollup.stop()
    await Promise.all([otlp, query].map((s) => new Promise<void>((r) => s.close(() => r()))))
    // Insert what is spooled for up to 5 s; the rest stays in the spool, complete, for the next start.
    await writer.close(5_000)
    await ch.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((err: unknown) => {
  const e = err as Error & { code?: string }
  process.stderr.write(`collector failed to start: ${e.message}\n`)
  if (/Cannot lock file/i.test(e.message)) process.stderr.write('another process holds the chDB data directory; stop it or set FACTORWATCH_DATA_DIR\n')
  process.exit(1)
})
