import { statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import type { HealthCheckResult, HealthStatus } from '../contract/query'

/*
 * /healthz: ok, degraded or failing, with the reason of every check. A check is anything with a
 * name and a `check()` — the data directory's free space, ClickHouse, the write path (the spool
 * registers its own from collector/main.ts). The overall status is the worst one; HTTP 200 for
 * ok and degraded (still serving: a load balancer keeps it), 503 for failing.
 */

export type { HealthStatus }
export interface HealthResult { status: HealthStatus; reason: string }
export interface HealthCheck {
  name: string
  check(): Promise<HealthResult>
}
export interface HealthReport { status: HealthStatus; checks: HealthCheckResult[] }

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, failing: 2 }
export const worst = (statuses: HealthStatus[]): HealthStatus => statuses.reduce<HealthStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok')
export const httpStatusOf = (s: HealthStatus): number => (s === 'failing' ? 503 : 200)

/** The checks of one process; each runs at most `timeoutMs` (a check that hangs is failing). */
export class HealthRegistry {
  private readonly checks: HealthCheck[] = []
  constructor(private readonly timeoutMs = 3000) {}

  /** Add a check; a second one with the same name replaces the first. */
  register(check: HealthCheck): this {
    const i = this.checks.findIndex((c) => c.name === check.name)
    if (i >= 0) this.checks[i] = check
    else this.checks.push(check)
    return this
  }

  names(): string[] {
    return this.checks.map((c) => c.name)
  }

  async report(): Promise<HealthReport> {
    const checks = await Promise.all(this.checks.map(async (c): Promise<HealthCheckResult> => {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<HealthResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'failing', reason: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs)
      })
      try {
        const r = await Promise.race([c.check(), late])
        return { name: c.name, status: r.status, reason: r.reason }
      } catch (err) {
        return { name: c.name, status: 'failing', reason: `check failed: ${String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200)}` }
      } finally {
        clearTimeout(timer)
      }
    }))
    return { status: worst(checks.map((c) => c.status)), checks }
  }
}

export interface DiskThresholds {
  /** Free bytes below which the disk is degraded (HEALTH_DISK_DEGRADED_FREE_BYTES). */
  degradedBelowBytes: number
  /** Free bytes below which it is failing (HEALTH_DISK_FAILING_FREE_BYTES). */
  failingBelowBytes: number
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`

/** Pure: the disk's state from its free and total bytes. */
export function diskStatus(freeBytes: number, totalBytes: number, t: DiskThresholds): HealthResult {
  const what = `${mib(freeBytes)} free of ${mib(totalBytes)}`
  if (freeBytes < t.failingBelowBytes) return { status: 'failing', reason: `data directory disk nearly full: ${what}, below ${mib(t.failingBelowBytes)} (HEALTH_DISK_FAILING_FREE_BYTES)` }
  if (freeBytes < t.degradedBelowBytes) return { status: 'degraded', reason: `data directory disk filling up: ${what}, below ${mib(t.degradedBelowBytes)} (HEALTH_DISK_DEGRADED_FREE_BYTES)` }
  return { status: 'ok', reason: what }
}

type Statfs = (path: string) => Promise<{ bavail: number | bigint; blocks: number | bigint; bsize: number | bigint }>

/**
 * Free space where `dir` lives (statfs: blocks available to this unprivileged process). A
 * directory not made yet is measured at its nearest existing parent, where it will be.
 */
export function diskCheck(dir: string, t: DiskThresholds, fsStat: Statfs = statfs): HealthCheck {
  return {
    name: 'disk',
    async check() {
      let s
      for (let at = dir; ; at = dirname(at)) {
        try {
          s = await fsStat(at)
          break
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code
          if (code !== 'ENOENT' || dirname(at) === at) return { status: 'failing', reason: `cannot read the data directory's file system: ${code ?? (err as Error).message}` }
        }
      }
      const bsize = Number(s.bsize)
      return diskStatus(Number(s.bavail) * bsize, Number(s.blocks) * bsize, t)
    },
  }
}

/** ClickHouse answers `SELECT 1` within `timeoutMs`; otherwise `unreachable` (failing by default). */
export function clickhouseCheck(client: Pick<ClickHouseClient, 'query'>, transport: 'chdb' | 'server', opts: { timeoutMs?: number; unreachable?: HealthStatus } = {}): HealthCheck {
  const timeoutMs = opts.timeoutMs ?? 2500
  return {
    name: 'clickhouse',
    async check() {
      const t0 = performance.now()
      try {
        await client.query({ query: 'SELECT 1', format: 'JSONEachRow', abort_signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.json())
        return { status: 'ok', reason: `${transport === 'chdb' ? 'embedded chDB' : 'ClickHouse server'} answered SELECT 1 in ${Math.round(performance.now() - t0)} ms` }
      } catch (err) {
        return { status: opts.unreachable ?? 'failing', reason: `${transport === 'chdb' ? 'embedded chDB' : 'ClickHouse server'} did not answer SELECT 1: ${String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200)}` }
      }
    },
  }
}
