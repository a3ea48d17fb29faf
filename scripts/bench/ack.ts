/**
 * `ack`: acknowledgement latency at a steady, paced (open-loop) load while a dashboard query
 * runs in a loop, plus the collector's resident memory idle and under that load.
 *
 * The collector's data dir is seeded first with generated events over 30 days, so the dashboard
 * query (M1 over 30 days through the query API, what the Overview page asks) reads real rows
 * and competes with ingest for ClickHouse the way it does in production.
 */
import { rmSync } from 'node:fs'
import { tempDir } from '../../test/support/processes'
import { startCollector } from './collector-process'
import { generate } from './dataset'
import { eventPool, pacedLoad, templates } from './otlp-load'

const DAY = 86_400_000

export interface AckBench {
  eventsPerS: number
  seconds: number
  seedEvents: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  exports: number
  failed: number
  retries: number
  /** Events acknowledged per second over the run (should equal the offered rate). */
  achievedPerS: number
  idleRssBytes: number
  loadRssMeanBytes: number
  loadRssMaxBytes: number
  dashboard: { runs: number; p50Ms: number; maxMs: number }
  /** The collector's event loop over the load, from its own /metrics (prom-client's default metrics). */
  loop: LoopStats
  /** Where the exports' time went, from the collector's factorwatch_otlp_stage_seconds and the spool's commit histogram. */
  stages: Record<string, { p50Ms: number; p99Ms: number }>
}

/** Event-loop delay and garbage collection of the collector's main thread over the load. */
export interface LoopStats { lagP99Ms: number; lagMaxMs: number; gcMs: number; gcMajorMs: number; gcMajor: number; gcOver10Ms: number }

/** The value of an unlabelled sample in a Prometheus text exposition (NaN when absent). */
function unlabelled(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line ? Number(line.slice(name.length + 1)) : Number.NaN
}

/** GC seconds, count and pauses over 10 ms, summed over kinds (`kind` filters one). */
function gc(text: string, kind?: string): { s: number; n: number; over10: number } {
  let s = 0, n = 0, upTo10 = 0
  for (const l of text.split('\n')) {
    const m = /^nodejs_gc_duration_seconds_(sum|count|bucket)\{(.*)\} (\S+)$/.exec(l)
    if (!m || (kind && !m[2].includes(`kind="${kind}"`))) continue
    const v = Number(m[3])
    if (m[1] === 'sum') s += v
    else if (m[1] === 'count') n += v
    else if (m[2].includes('le="0.01"')) upTo10 += v
  }
  return { s, n, over10: n - upTo10 }
}

/** The difference of two /metrics readings, before and after the load (the lag gauges cover the time since the previous scrape). */
export function loopStats(before: string, after: string): LoopStats {
  const [a, b, am, bm] = [gc(before), gc(after), gc(before, 'major'), gc(after, 'major')]
  return {
    lagP99Ms: unlabelled(after, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    lagMaxMs: unlabelled(after, 'nodejs_eventloop_lag_max_seconds') * 1000,
    gcMs: (b.s - a.s) * 1000, gcMajorMs: (bm.s - am.s) * 1000, gcMajor: bm.n - am.n, gcOver10Ms: b.over10 - a.over10,
  }
}

/** Cumulative bucket counts (le → count) of one histogram series in a Prometheus text exposition. */
function buckets(text: string, name: string, label?: string): Map<number, number> {
  const out = new Map<number, number>()
  for (const l of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{(.*)\\} (\\S+)$`).exec(l)
    if (!m || (label && !m[1].includes(label))) continue
    const le = /le="([^"]+)"/.exec(m[1])?.[1]
    if (le !== undefined) out.set(le === '+Inf' ? Infinity : Number(le), Number(m[2]))
  }
  return out
}

/**
 * The q-quantile, in ms, of what a histogram observed between two readings, interpolated
 * linearly inside its bucket as Prometheus' histogram_quantile does (so only as fine as the buckets).
 */
export function histogramQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const les = [...after.keys()].sort((a, b) => a - b)
  const counts = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0))
  const total = counts.at(-1) ?? 0
  if (total === 0) return Number.NaN
  const rank = q * total
  for (let i = 0; i < les.length; i++) {
    if (counts[i] < rank) continue
    if (les[i] === Infinity) return les[i - 1] * 1000
    const lo = i === 0 ? 0 : les[i - 1]
    const below = i === 0 ? 0 : counts[i - 1]
    const inBucket = counts[i] - below
    return (lo + (les[i] - lo) * (inBucket === 0 ? 1 : (rank - below) / inBucket)) * 1000
  }
  return Number.NaN
}

/** Per-stage p50/p99 of the exports between two /metrics readings. */
export function stageStats(before: string, after: string): Record<string, { p50Ms: number; p99Ms: number }> {
  const out: Record<string, { p50Ms: number; p99Ms: number }> = {}
  const series: [string, string, string | undefined][] = [
    ['read', 'factorwatch_otlp_stage_seconds', 'stage="read"'],
    ['decode', 'factorwatch_otlp_stage_seconds', 'stage="decode"'],
    ['write', 'factorwatch_otlp_stage_seconds', 'stage="write"'],
    ['spool commit', 'factorwatch_spool_commit_seconds', undefined],
  ]
  for (const [stage, name, label] of series) {
    const [b, a] = [buckets(before, name, label), buckets(after, name, label)]
    out[stage] = { p50Ms: histogramQuantile(b, a, 0.5), p99Ms: histogramQuantile(b, a, 0.99) }
  }
  return out
}

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))])

export async function benchAck(o: { eventsPerS: number; seconds: number; seedEvents: number; log: (s: string) => void }): Promise<AckBench> {
  const now = Date.now()
  const pool = eventPool(now, 4096)
  const tpls = await templates('protobuf', pool, [512])
  const dataDir = tempDir('bench-ack')
  try {
    o.log(`  seeding ${o.seedEvents.toLocaleString('en-US')} events over 30 days for the dashboard query`)
    const g = await generate(dataDir, { events: o.seedEvents, fromMs: now - 30 * DAY, toMs: now - 3_600_000, log: o.log })
    const c = await startCollector({ dataDir })
    try {
      // Idle: started, its start-up work done, nothing sent yet.
      await c.settle(o.seconds < 10 ? 5 : 60)
      const idleRssBytes = c.rssBytes()
      const dash = `/api/v1/metrics?ids=M1&from=${new Date(now - 30 * DAY).toISOString()}&to=${new Date(now).toISOString()}`
      await c.get(dash) // warm: first-query compilation and caches are not what this measures
      o.log(`  ${o.eventsPerS.toLocaleString('en-US')} events/s in exports of 512 for ${o.seconds} s, M1 over 30 days in a loop`)
      const dashMs: number[] = []
      let dashboardOn = true
      let dashErrors = 0
      let lastDashError = ''
      const dashboard = (async () => {
        while (dashboardOn) {
          const s = performance.now()
          try {
            await c.get(dash)
            dashMs.push(performance.now() - s)
          } catch (err) {
            dashErrors++
            lastDashError = (err as Error).message
            await new Promise((r) => setTimeout(r, 200))
          }
        }
      })()
      const rss: number[] = []
      const metrics = async () => (await fetch(new URL('/metrics', c.queryUrl))).text()
      const metricsBefore = await metrics()
      const load = pacedLoad({ url: new URL('/v1/logs', c.otlpUrl), encoding: 'protobuf', templates: tpls, eventsPerS: o.eventsPerS, firstSeq: Math.floor(Math.random() * 0x7fffffff) })
      const t0 = performance.now()
      const sample = setInterval(() => rss.push(c.rssBytes()), 500)
      const progress = setInterval(() => o.log(`    ${((performance.now() - t0) / 1000).toFixed(0)} s: ${load.stats.events.toLocaleString('en-US')} events acknowledged, ${load.stats.sent - load.stats.acked - load.stats.failed} exports in flight, ${dashMs.length} dashboard queries`), 10_000)
      await new Promise((r) => setTimeout(r, o.seconds * 1000))
      clearInterval(progress)
      await load.stop()
      const elapsed = (performance.now() - t0) / 1000
      const metricsAfter = await metrics()
      const loop = loopStats(metricsBefore, metricsAfter)
      clearInterval(sample)
      dashboardOn = false
      await dashboard
      if (dashErrors > 0) o.log(`  ${dashErrors} dashboard queries failed; last: ${lastDashError.slice(0, 300)}`)
      if (load.stats.failed > 0) o.log(`  ${load.stats.failed} exports failed; last: ${load.stats.lastError}`)
      const lat = [...load.latencies].sort((a, b) => a - b)
      const d = [...dashMs].sort((a, b) => a - b)
      return {
        eventsPerS: o.eventsPerS, seconds: o.seconds, seedEvents: g.events,
        p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), maxMs: lat.at(-1) ?? Number.NaN,
        exports: load.stats.sent, failed: load.stats.failed, retries: load.stats.retries,
        achievedPerS: load.stats.events / elapsed,
        idleRssBytes,
        loadRssMeanBytes: rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length),
        loadRssMaxBytes: Math.max(...rss),
        dashboard: { runs: d.length, p50Ms: quantile(d, 0.5), maxMs: d.at(-1) ?? Number.NaN },
        loop,
        stages: stageStats(metricsBefore, metricsAfter),
      }
    } finally {
      await c.stop()
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
