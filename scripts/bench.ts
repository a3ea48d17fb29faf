/**
 * `npm run bench [-- <name> …] [--quick] [--events N] …`: performance figures, each printed next
 * to its target with the ratio, then one summary table (figure, target, ratio, pass/miss).
 * Targets live here, never in tests. Without names every bench runs.
 *
 * Collector benches (each starts its own collector as a child process on free ports with its own
 * data dir, and measures whatever write path is in the tree; scripts/bench/):
 *  - ingest:    events/s end to end into embedded ClickHouse, OTLP protobuf and JSON, N exporters,
 *               with the raw INSERT … SELECT ceiling of the same rows in the same chDB
 *  - ack:       acknowledgement latency p50/p99 at a steady paced load with a dashboard query
 *               looping; collector RSS idle and under that load
 *  - panels:    p50/p95 of M1, M2, M3 and the sub-processor table for 1 h, 24 h, 30 d over a
 *               generated dataset (100 M events over 30 days, cached in .data/bench/)
 *  - freshness: acknowledgement → visible in /api/v1/metrics, p50/p95
 * Others:
 *  - idp:       reference IdP TOTP logins/s, telemetry on vs off; passkey verifications/s
 *  - adapters:  latency the vendor adapter layer adds
 *  - alerting:  one evaluation cycle of every default rule over 10 M events
 *  - security:  Security/Explore/Executive reports over 30 days of demo-scale events
 */
import type { AlertingBench } from './bench/alerting'

/** One figure of the summary: `at-least` targets pass at ratio ≥ 1, `below` targets at ratio < 1. */
export interface Figure { bench: string; name: string; value: number; unit: string; target?: number; kind?: 'at-least' | 'below' }

const TARGETS = {
  ingestProtobufPerS: 100_000,
  ingestJsonPerS: 50_000,
  ackP99Ms: 50,
  loadRssBytes: 300 * 1024 * 1024,
  panelP95Ms: 200,
  freshnessP95Ms: 5000,
  alertingCycleMs: 1000,
}

const USAGE = `usage: npm run bench [-- <bench> …] [options]
benches: ingest ack panels freshness idp adapters alerting security (default: all)
options:
  --quick            small counts and short runs: a smoke run of the harness, not figures to quote
  --seconds N        ingest: seconds per encoding (15; quick 2)
  --exporters N      ingest: concurrent exporters (8; quick 4)
  --rate N           ack: offered events/s (10000; quick 2000)
  --ack-seconds N    ack: seconds of paced load (30; quick 3)
  --seed-events N    ack: events over 30 days behind the dashboard query (2000000; quick 20000)
  --events N         panels: generated events over 30 days (100000000; quick 30000)
  --runs N           panels: timed runs per query (20; quick 3)
  --probes N         freshness: probes (20; quick 3)
env: BENCH_SECONDS (idp, adapters), BENCH_ALERTING_EVENTS, BENCH_SECURITY_RATE/DAYS/RUNS/DIR,
     BENCH_CACHE_DIR (where panels datasets are cached; .data/bench),
     PROF_FLAGS (node flags for the collector child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")`

const COLLECTOR_BENCHES = ['ingest', 'ack', 'panels', 'freshness'] as const
const ALL = [...COLLECTOR_BENCHES, 'idp', 'adapters', 'alerting', 'security'] as const
type BenchName = (typeof ALL)[number]

interface Options { names: BenchName[]; quick: boolean; num: (flag: string, full: number, quick: number) => number }

export function parseArgs(argv: string[]): Options {
  const names: BenchName[] = []
  const values = new Map<string, number>()
  let quick = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') quick = true
    else if (a === '--help' || a === '-h') throw new Error(USAGE)
    else if (a.startsWith('--')) {
      const [flag, inline] = a.split('=', 2)
      const raw = inline ?? argv[++i]
      const n = Number(raw?.replace(/_/g, ''))
      if (!/^--(seconds|exporters|rate|ack-seconds|seed-events|events|runs|probes)$/.test(flag)) throw new Error(`unknown option ${flag}\n${USAGE}`)
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected a positive number, got ${JSON.stringify(raw)}`)
      values.set(flag, n)
    } else if ((ALL as readonly string[]).includes(a)) names.push(a as BenchName)
    else throw new Error(`unknown bench ${JSON.stringify(a)}\n${USAGE}`)
  }
  return { names: names.length > 0 ? names : [...ALL], quick, num: (flag, full, q) => values.get(flag) ?? (quick ? q : full) }
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n))
/** A latency; ∞ is an export that was never acknowledged. */
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : fmt(n)) : n === Number.POSITIVE_INFINITY ? '∞' : 'n/a')
const times = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '∞x')
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`
const log = (line: string) => console.log(line)

function ratio(f: Figure): number | undefined {
  return f.target === undefined ? undefined : f.value / f.target
}
function passes(f: Figure): boolean | undefined {
  const r = ratio(f)
  if (r === undefined) return undefined
  return f.kind === 'below' ? r < 1 : r >= 1
}
/** `(0.42x of the target ≥ 100,000 events/s)` after a figure printed in its section. */
function vsTarget(f: Figure): string {
  const r = ratio(f)
  if (r === undefined || f.target === undefined) return ''
  const t = f.unit === 'MB' ? fmt(f.target / 1024 / 1024) : fmt(f.target)
  return `   (${times(r)} of the target ${f.kind === 'below' ? '<' : '≥'} ${t} ${f.unit}: ${passes(f) ? 'pass' : 'miss'})`
}

type Runner = (o: Options, add: (f: Figure) => Figure) => Promise<void>

// Benches load on demand: the IdP benches pull in the whole IdP (and oidc-provider), the collector ones do not.
const RUNNERS: Record<BenchName, Runner> = {
  async ingest(o, add) {
    const seconds = o.num('--seconds', 15, 2)
    const exporters = o.num('--exporters', 8, 4)
    log(`ingest: ${exporters} concurrent exporters, ${seconds} s per encoding, realistic contract events in exports of 512/1024/2048 records, into embedded chDB`)
    const r = await (await import('./bench/ingest')).benchIngest({ seconds, exporters, log })
    for (const run of r.runs) {
      const f = add({ bench: 'ingest', name: `OTLP/${run.encoding === 'json' ? 'JSON' : 'protobuf'} end to end`, value: run.eventsPerS, unit: 'events/s', target: run.encoding === 'json' ? TARGETS.ingestJsonPerS : TARGETS.ingestProtobufPerS, kind: 'at-least' })
      log(`  ${f.name.padEnd(26)} ${fmt(run.eventsPerS).padStart(10)} events/s${vsTarget(f)}`)
      log(`    ${fmt(run.events)} events in ${fmt(run.requests)} exports (${run.retries} retried after 429/503, ${run.rejected} records rejected); acknowledged at ${fmt(run.ackedPerS)}/s, all queryable ${run.drainS.toFixed(2)} s after the last acknowledgement`)
      log(`    export latency p50 ${ms(run.p50Ms)} ms, p99 ${ms(run.p99Ms)} ms; collector peak RSS ${mb(run.peakRssBytes)}; this client used ${run.clientCpuPct.toFixed(0)} % of a core`)
    }
    const ceil = add({ bench: 'ingest', name: 'ceiling: raw INSERT … SELECT', value: r.ceiling.rowsPerS, unit: 'rows/s' })
    log(`  ${ceil.name.padEnd(26)} ${fmt(r.ceiling.rowsPerS).padStart(10)} rows/s   (${fmt(r.ceiling.rows)} rows into mfa_events + rollup views in ${r.ceiling.seconds.toFixed(2)} s, same chDB, same run)`)
    const batched = add({ bench: 'ingest', name: 'ceiling in 20,000-row inserts', value: r.ceiling.batchedRowsPerS, unit: 'rows/s' })
    log(`  ${batched.name.padEnd(26)} ${fmt(r.ceiling.batchedRowsPerS).padStart(10)} rows/s   (the same rows again, in inserts of 20,000 rows)`)
    for (const run of r.runs) log(`  ${run.encoding} is ${(run.eventsPerS / r.ceiling.rowsPerS).toFixed(2)}x of the ceiling; the ceiling is ${(r.ceiling.rowsPerS / (run.encoding === 'json' ? TARGETS.ingestJsonPerS : TARGETS.ingestProtobufPerS)).toFixed(2)}x of ${run.encoding}'s target`)
  },

  async ack(o, add) {
    const eventsPerS = o.num('--rate', 10_000, 2000)
    const seconds = o.num('--ack-seconds', 30, 3)
    const seedEvents = o.num('--seed-events', 2_000_000, 20_000)
    log(`ack: acknowledgement latency at a paced ${fmt(eventsPerS)} events/s (open loop) for ${seconds} s, M1 over 30 days looping on the query API`)
    const r = await (await import('./bench/ack')).benchAck({ eventsPerS, seconds, seedEvents, log })
    const p99 = add({ bench: 'ack', name: 'ack latency p99', value: r.p99Ms, unit: 'ms', target: TARGETS.ackP99Ms, kind: 'below' })
    add({ bench: 'ack', name: 'ack latency p50', value: r.p50Ms, unit: 'ms' })
    log(`  ack latency                p50 ${ms(r.p50Ms)} ms, p99 ${ms(r.p99Ms)} ms, max ${ms(r.maxMs)} ms${vsTarget(p99)}`)
    log(`    ${fmt(r.exports)} exports of 512 (${r.failed} failed, ${r.retries} retried); ${fmt(r.achievedPerS)} events/s acknowledged of ${fmt(eventsPerS)} offered`)
    log(`    dashboard: ${r.dashboard.runs} runs of M1 over 30 days (${fmt(r.seedEvents)} events), p50 ${ms(r.dashboard.p50Ms)} ms, max ${ms(r.dashboard.maxMs)} ms`)
    const l = r.loop
    log(`    collector event loop over the load: delay p99 ${ms(l.lagP99Ms)} ms, max ${ms(l.lagMaxMs)} ms; GC ${ms(l.gcMs)} ms in all (${l.gcMajor} major, ${ms(l.gcMajorMs)} ms), ${l.gcOver10Ms} pauses over 10 ms`)
    log(`    where an export's time went (p50 / p99 ms, from the collector's histograms): ${Object.entries(r.stages).map(([k, v]) => `${k} ${ms(v.p50Ms)} / ${ms(v.p99Ms)}`).join(', ')}`)
    const rss = add({ bench: 'ack', name: 'collector RSS under load', value: r.loadRssMaxBytes, unit: 'MB', target: TARGETS.loadRssBytes, kind: 'below' })
    add({ bench: 'ack', name: 'collector RSS idle', value: r.idleRssBytes, unit: 'MB' })
    log(`  collector RSS              idle ${mb(r.idleRssBytes)}; under load mean ${mb(r.loadRssMeanBytes)}, max ${mb(r.loadRssMaxBytes)}${vsTarget(rss)}`)
  },

  async panels(o, add) {
    const events = o.num('--events', 100_000_000, 30_000)
    const runs = o.num('--runs', 20, 3)
    log(`panels: M1, M2, M3 and the sub-processor table through the query API, last 1 h / 24 h / 30 d of ${fmt(events)} generated events, ${runs} runs each after one warm-up`)
    const r = await (await import('./bench/panels')).benchPanels({
      events, runs, log, settleS: o.quick ? 5 : 120,
      onTiming: (t) => {
        const f = add({ bench: 'panels', name: `${t.panel}, ${t.range} p95`, value: t.p95Ms, unit: 'ms', target: TARGETS.panelP95Ms, kind: 'below' })
        log(`  ${`${t.panel}, ${t.range}`.padEnd(26)} p50 ${ms(t.p50Ms).padStart(6)} ms, p95 ${ms(t.p95Ms).padStart(6)} ms${vsTarget(f)}`)
      },
    })
    add({ bench: 'panels', name: `generation of ${fmt(r.events)} events`, value: r.generatedS, unit: 's' })
    log(`  dataset generation         ${r.generatedS.toFixed(0)} s for ${fmt(r.events)} events${r.cached ? ' (cached from an earlier run)' : ''}`)
  },

  async freshness(o, add) {
    const probes = o.num('--probes', 20, 3)
    const backgroundPerS = o.num('--rate', 10_000, 1000)
    log(`freshness: acknowledgement → visible in /api/v1/metrics (M1), ${probes} probes under ${fmt(backgroundPerS)} events/s`)
    const r = await (await import('./bench/freshness')).benchFreshness({ probes, backgroundPerS, everyMs: o.quick ? 300 : 1000, log })
    const f = add({ bench: 'freshness', name: 'ack → visible p95', value: r.p95Ms, unit: 'ms', target: TARGETS.freshnessP95Ms, kind: 'below' })
    log(`  ack → visible in M1        p50 ${ms(r.p50Ms)} ms, p95 ${ms(r.p95Ms)} ms, max ${ms(r.maxMs)} ms${vsTarget(f)}`)
  },

  async idp(o, add) {
    const seconds = Number(process.env.BENCH_SECONDS ?? (o.quick ? 2 : 10))
    log(`idp: ${seconds}s per mode, complete TOTP logins (password + code) over HTTP, 8 concurrent, PGlite`)
    await (await import('./bench/idp')).benchIdp({ seconds: o.quick ? 1 : 2, telemetry: false }) // warm-up: JIT and scrypt pool, not reported
    const off = await (await import('./bench/idp')).benchIdp({ seconds, telemetry: false })
    const on = await (await import('./bench/idp')).benchIdp({ seconds, telemetry: true })
    add({ bench: 'idp', name: 'TOTP logins, telemetry on', value: on.totpLoginsPerSec, unit: 'logins/s' })
    log(`  telemetry on         ${on.totpLoginsPerSec.toFixed(1).padStart(10)} logins/s   p50 ${on.p50Ms.toFixed(0)} ms, p95 ${on.p95Ms.toFixed(0)} ms, ${fmt(on.otlpBytes)} OTLP bytes`)
    log(`  telemetry off        ${off.totpLoginsPerSec.toFixed(1).padStart(10)} logins/s   p50 ${off.p50Ms.toFixed(0)} ms, p95 ${off.p95Ms.toFixed(0)} ms`)
    log(`  telemetry cost: ${(on.totpLoginsPerSec / off.totpLoginsPerSec).toFixed(2)}x of the throughput without it`)
    const wa = await (await import('./bench/webauthn')).benchWebauthn({ seconds })
    add({ bench: 'idp', name: 'passkey verifications', value: wa.verificationsPerSec, unit: '/s' })
    log(`  passkey sign-ins     ${wa.verificationsPerSec.toFixed(1).padStart(10)} verifications/s   p50 ${wa.p50Ms.toFixed(0)} ms, p95 ${wa.p95Ms.toFixed(0)} ms (passwordless, options + verify, telemetry on)`)
  },

  async adapters(o, add) {
    const seconds = Number(process.env.BENCH_SECONDS ?? (o.quick ? 2 : 10))
    log(`adapters: ${seconds}s, SMS sends to the simulator's Twilio API (near-zero vendor latency), bare HTTP vs the IdP's vendor layer`)
    const r = await (await import('./bench/adapters')).benchAdapters({ seconds })
    log(`  bare request         p50 ${r.bareP50.toFixed(2)} ms, p95 ${r.bareP95.toFixed(2)} ms`)
    log(`  through adapters     p50 ${r.adapterP50.toFixed(2)} ms, p95 ${r.adapterP95.toFixed(2)} ms   (${r.sends} sends each)`)
    log(`  added by the layer   p50 ${r.addedP50.toFixed(2)} ms, p95 ${r.addedP95.toFixed(2)} ms   (${(r.adapterP95 / r.bareP95).toFixed(2)}x at p95)`)
    add({ bench: 'adapters', name: 'added by the layer p95', value: r.addedP95, unit: 'ms' })
  },

  async alerting(o, add) {
    const events = Number(process.env.BENCH_ALERTING_EVENTS ?? (o.quick ? 100_000 : 10_000_000))
    log(`alerting: ${fmt(events)} events over the last 3 days in embedded chDB, every default rule, 5 cycles 30 s apart`)
    const r = await (await import('./bench/alerting')).benchAlerting({ events, cycles: o.quick ? 2 : 5 })
    const sorted = [...r.steadyMs].sort((a, b) => a - b)
    log(`  seeding              ${r.seedS.toFixed(1).padStart(10)} s (INSERT … SELECT, rollups included)`)
    log(`  first cycle          ${fmt(r.coldMs).padStart(10)} ms   (reads 3 d of minutes and 28 d of hours: ${r.slos} SLOs, ${r.rules} alerts)`)
    log(`  steady cycle         ${fmt(sorted[Math.floor(sorted.length / 2)]).padStart(10)} ms p50, ${fmt(sorted.at(-1)!)} ms max (re-reads the last 10 minutes of events)`)
    const avg = (k: keyof AlertingBench['phases'][number]) => fmt(r.phases.reduce((a, p) => a + p[k], 0) / r.phases.length)
    log(`  steady cycle split   counts ${avg('countsMs')} ms, thresholds ${avg('thresholdsMs')} ms, evaluate ${avg('evaluateMs')} ms, history + notify ${avg('recordNotifyMs')} ms (means)`)
    log(`  GET /api/v1/slos     ${fmt(r.slosMs).padStart(10)} ms   (attribution over each SLO window, on demand, then cached 5 min)`)
    add({ bench: 'alerting', name: 'first evaluation cycle', value: r.coldMs, unit: 'ms', target: TARGETS.alertingCycleMs, kind: 'below' })
    add({ bench: 'alerting', name: 'steady evaluation cycle max', value: sorted.at(-1)!, unit: 'ms', target: TARGETS.alertingCycleMs, kind: 'below' })
  },

  async security(o, add) {
    const rate = Number(process.env.BENCH_SECURITY_RATE ?? 3)
    const days = Number(process.env.BENCH_SECURITY_DAYS ?? (o.quick ? 1 : 30))
    const runs = Number(process.env.BENCH_SECURITY_RUNS ?? (o.quick ? 3 : 20))
    log(`security panels: ${days} days at ${rate} sign-ins/s (npm start's demo rate) in embedded chDB, ${runs} runs per panel after one warm-up`)
    await (await import('./bench/security')).benchSecurity({
      rate, days, iterations: runs, keepDir: process.env.BENCH_SECURITY_DIR || undefined,
      onFilled: (events, s, reused) => log(`  ${fmt(events)} events ${reused ? `reused from BENCH_SECURITY_DIR (generated in ${s.toFixed(0)} s)` : `generated in ${s.toFixed(0)} s`}`),
      onRolledUp: (hours, s) => log(`  flow rollup: ${hours} hours finalized in ${s.toFixed(0)} s (the collector does this after start)`),
      onSettled: (s) => log(`  background merges settled after ${s.toFixed(0)} s`),
      onPanel: (p) => {
        const f = add({ bench: 'security', name: `${p.path} p95`, value: p.p95Ms, unit: 'ms', target: TARGETS.panelP95Ms, kind: 'below' })
        log(`  ${p.path.padEnd(30)} p50 ${p.p50Ms.toFixed(0).padStart(6)} ms, p95 ${p.p95Ms.toFixed(0).padStart(6)} ms${vsTarget(f)}`)
      },
    })
  },
}

function summary(figures: Figure[], failed: string[]): string[] {
  const rows = figures.map((f) => {
    const r = ratio(f)
    const value = f.unit === 'MB' ? fmt(f.value / 1024 / 1024) : f.unit === 'ms' || f.unit === 's' ? ms(f.value) : fmt(f.value)
    const target = f.target === undefined ? '—' : `${f.kind === 'below' ? '<' : '≥'} ${f.unit === 'MB' ? fmt(f.target / 1024 / 1024) : fmt(f.target)}`
    const verdict = passes(f)
    return [`${f.bench}: ${f.name}`, `${value} ${f.unit}`, target, r === undefined ? '—' : times(r), verdict === undefined ? '—' : verdict ? 'pass' : 'miss']
  })
  const head = ['figure', 'value', 'target', 'ratio', 'result']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`
  const targeted = figures.filter((f) => f.target !== undefined)
  const met = targeted.filter((f) => passes(f)).length
  return [
    '',
    'summary',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `summary: ${met} of ${targeted.length} targets met${failed.length > 0 ? `; benches that failed: ${failed.join(', ')}` : ''}`,
  ]
}

async function main(): Promise<void> {
  let opts: Options
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error((err as Error).message)
    process.exit(2)
  }
  if (opts.quick) log('--quick: small counts for a smoke run of the harness; the figures are not ones to quote')
  const figures: Figure[] = []
  const failed: string[] = []
  for (const name of opts.names) {
    const t0 = performance.now()
    try {
      await RUNNERS[name](opts, (f) => (figures.push(f), f))
    } catch (err) {
      failed.push(name)
      console.error(`${name} failed: ${(err as Error).stack ?? String(err)}`)
    }
    log(`  (${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s)`)
  }
  for (const l of summary(figures, failed)) log(l)
  process.exit(failed.length > 0 ? 1 : 0)
}

if (process.argv[1]?.endsWith('scripts/bench.ts')) void main()
