/**
 * The collector under test: `collector/main.ts` as a child process on free ports with its own
 * data directory, driven only through its public interfaces (OTLP/HTTP in, the query API out,
 * /proc for its memory). Whatever write path is in the tree is what gets measured.
 */
import { readFileSync, rmSync } from 'node:fs'
import { freePort, startProcess, tempDir, type Running } from '../../test/support/processes'

export interface Collector {
  otlpUrl: string
  queryUrl: string
  dataDir: string
  pid: number
  /** Resident set size of the collector process now, in bytes (VmRSS). */
  rssBytes: () => number
  /** GET a query-API path (with query string) and parse JSON; a non-2xx throws with the body. */
  get: <T = unknown>(pathAndQuery: string) => Promise<T>
  output: () => string
  /**
   * Wait until the collector is quiet (under 15 % of a core for 2 s running): its start-up
   * alert evaluation and ClickHouse's background merges stay out of what is timed next.
   * Gives up after `maxS` and says how long it waited.
   */
  settle: (maxS?: number) => Promise<{ seconds: number; quiet: boolean }>
  /**
   * Wait until the flow rollup (collector/query/flow-rollup-job.ts) has finalized every hour that
   * can be, read from /metrics' factorwatch_flow_rollup_lag_seconds; gives up after `maxS`.
   */
  flowRollupCaughtUp: (maxS?: number) => Promise<{ seconds: number; lagS: number | null }>
  /** SIGTERM, wait for it to exit (releases chDB's lock); the data dir stays. */
  stop: () => Promise<void>
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : Number.NaN
}

/** Start a collector on `dataDir` (a fresh temporary one when not given). */
export async function startCollector(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<Collector> {
  const dataDir = opts.dataDir ?? tempDir('bench-collector')
  const [otlp, query] = [await freePort(), await freePort()]
  const running: Running = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_HOST: '127.0.0.1',
    COLLECTOR_OTLP_PORT: String(otlp),
    COLLECTOR_QUERY_PORT: String(query),
    FACTORWATCH_DATA_DIR: dataDir,
    // Long-range panels over generated data read far back: keep the TTL out of the way.
    MFA_EVENTS_TTL_DAYS: '400',
    ...opts.env,
  }, [/collector query listening/], 180_000)
  const queryUrl = `http://127.0.0.1:${query}`
  const pid = running.proc.pid!
  return {
    otlpUrl: `http://127.0.0.1:${otlp}`,
    queryUrl,
    dataDir,
    pid,
    rssBytes: () => rssOf(pid),
    get: async <T>(pathAndQuery: string): Promise<T> => {
      const res = await fetch(`${queryUrl}${pathAndQuery}`)
      const text = await res.text()
      if (!res.ok) throw new Error(`GET ${pathAndQuery.slice(0, 120)} answered ${res.status}: ${text.slice(0, 300)}`)
      return JSON.parse(text) as T
    },
    output: running.output,
    settle: async (maxS = 120) => {
      const t0 = performance.now()
      let quietFor = 0
      let last = cpuSecondsOf(pid)
      while (performance.now() - t0 < maxS * 1000) {
        await new Promise((r) => setTimeout(r, 500))
        const now = cpuSecondsOf(pid)
        quietFor = now - last < 0.075 ? quietFor + 0.5 : 0
        last = now
        if (quietFor >= 2) return { seconds: (performance.now() - t0) / 1000, quiet: true }
      }
      return { seconds: maxS, quiet: false }
    },
    flowRollupCaughtUp: async (maxS = 1800) => {
      const t0 = performance.now()
      let lagS: number | null = null
      while (performance.now() - t0 < maxS * 1000) {
        const text = await (await fetch(`${queryUrl}/metrics`)).text()
        const m = /^factorwatch_flow_rollup_lag_seconds (\S+)$/m.exec(text)
        lagS = m ? Number(m[1]) : null
        // Caught up: the newest final hour ends at most an hour and 25 minutes ago (NaN before the job's first run ends).
        if (lagS !== null && Number.isFinite(lagS) && lagS < 3600 + 1500) break
        await new Promise((r) => setTimeout(r, 1000))
      }
      return { seconds: (performance.now() - t0) / 1000, lagS }
    },
    stop: running.stop,
  }
}

/** Run `fn` with a collector on a fresh temporary data dir; stop it and delete the dir afterwards. */
export async function withCollector<T>(fn: (c: Collector) => Promise<T>, env?: Record<string, string>): Promise<T> {
  const c = await startCollector({ env })
  try {
    return await fn(c)
  } finally {
    await c.stop()
    rmSync(c.dataDir, { recursive: true, force: true })
  }
}
