/**
 * `panels`: the console's panel queries through the query API over a large generated dataset
 * (dataset.ts; 100 million events over 30 days by default, cached between runs): M1, M2 and M3
 * from /api/v1/metrics and the sub-processor table from /api/v1/providers, each for the last
 * hour, day and 30 days of the data, with the step the API picks (as the console's charts do).
 * One warm-up round is not counted; the timed runs go round all twelve queries in turn.
 */
import { cachedDataset } from './dataset'
import { startCollector } from './collector-process'

const HOUR = 3_600_000

export const PANELS = [
  { name: 'M1 success rate', path: '/api/v1/metrics', params: { ids: 'M1' } },
  { name: 'M2 latency', path: '/api/v1/metrics', params: { ids: 'M2' } },
  { name: 'M3 fallback rate', path: '/api/v1/metrics', params: { ids: 'M3' } },
  { name: 'sub-processors', path: '/api/v1/providers', params: {} },
] as const
export const RANGES = [{ name: '1 h', ms: HOUR }, { name: '24 h', ms: 24 * HOUR }, { name: '30 d', ms: 30 * 24 * HOUR }] as const

export interface PanelTiming { panel: string; range: string; runs: number; p50Ms: number; p95Ms: number }
export interface PanelsBench { events: number; generatedS: number; cached: boolean; dataDir: string; timings: PanelTiming[] }

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]

export async function benchPanels(o: { events: number; runs: number; settleS?: number; log: (s: string) => void; onTiming?: (t: PanelTiming) => void }): Promise<PanelsBench> {
  const ds = await cachedDataset({ events: o.events, days: 30, log: o.log })
  o.log(ds.cached
    ? `  dataset: ${ds.events.toLocaleString('en-US')} events in ${ds.dataDir} (cached; generated in ${ds.generatedS.toFixed(0)} s)`
    : `  dataset: ${ds.events.toLocaleString('en-US')} events generated in ${ds.generatedS.toFixed(0)} s`)
  // Alert evaluation every hour: its first cycle runs at start, later ones stay out of the timings.
  const c = await startCollector({ dataDir: ds.dataDir, env: { ALERT_EVAL_INTERVAL_S: '3600' } })
  try {
    const queries = RANGES.flatMap((r) => PANELS.map((p) => ({
      panel: p.name, range: r.name,
      url: `${p.path}?${new URLSearchParams({ ...p.params, from: new Date(ds.toMs - r.ms).toISOString(), to: new Date(ds.toMs).toISOString() })}`,
      times: [] as number[],
    })))
    // The flow rollup finalizes the dataset's hours after start (M1 and M3 over long windows read it).
    const rolled = await c.flowRollupCaughtUp()
    o.log(`  flow rollup caught up in ${rolled.seconds.toFixed(0)} s after start (lag ${rolled.lagS === null || !Number.isFinite(rolled.lagS) ? 'unknown' : `${(rolled.lagS / 60).toFixed(0)} min`})`)
    // One warm-up round (first-query compilation, marks and caches), then wait out start-up work.
    for (const q of queries) await c.get(q.url)
    const settled = await c.settle(o.settleS)
    o.log(`  collector ${settled.quiet ? 'quiet' : 'still busy'} after ${settled.seconds.toFixed(0)} s (start-up alert evaluation, merges)`)
    // Rounds over every query, so a transient stall lands on all of them rather than on one.
    for (let i = 0; i < o.runs; i++) {
      for (const q of queries) {
        const s = performance.now()
        await c.get(q.url)
        q.times.push(performance.now() - s)
      }
      if ((i + 1) % 5 === 0 && i + 1 < o.runs) o.log(`    ${i + 1} of ${o.runs} rounds`)
    }
    const timings: PanelTiming[] = queries.map((q) => {
      const times = [...q.times].sort((a, b) => a - b)
      const t = { panel: q.panel, range: q.range, runs: times.length, p50Ms: quantile(times, 0.5), p95Ms: quantile(times, 0.95) }
      o.onTiming?.(t)
      return t
    })
    return { events: ds.events, generatedS: ds.generatedS, cached: ds.cached, dataDir: ds.dataDir, timings }
  } finally {
    await c.stop()
  }
}
