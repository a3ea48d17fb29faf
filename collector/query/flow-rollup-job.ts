import type { ClickHouseClient } from '@clickhouse/client'
import { DIRTY_HOURS_SQL, FINALIZE_AFTER_MS, FLOW_EVENTS, FLOW_ROLLUP_METRICS, HOURS_PER_STATEMENT, clearHoursSql, finalizeHoursSql } from './flow-rollup'
import { runSql } from './run'
import { litList } from './sql'
import type { Row } from './types'

/**
 * The collector's flow-rollup job: every minute, finalize the hours whose flows can no longer
 * change (oldest first, a day per statement), then finalize again the hours that received
 * events after they were finalized (mfa_flow_rollup_dirty). Each run stops after its budget and
 * resumes on the next, so a first start over 30 days of events catches up over a few minutes
 * without holding the query connection for long.
 */

const HOUR_MS = 3_600_000
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS

export interface FlowRollupRun { finalizedHours: number; refreshedHours: number; finalizedUntilMs: number | null; ms: number; /** The budget ran out with hours left: the next run comes at once. */ pending: boolean }

export interface FlowRollupJobOptions {
  client: ClickHouseClient
  now: () => number
  log?: (line: string) => void
  /** Stop starting statements after this long in one run (default 20 s). */
  budgetMs?: number
  /** After every run: how far hours are final (for the lag gauge at /metrics). */
  onRun?: (r: { finalizedUntilMs: number; nowMs: number }) => void
}

const rows = (client: ClickHouseClient, query: string): Promise<Row[]> => runSql(client, { query, params: {} })

export function createFlowRollupJob(o: FlowRollupJobOptions) {
  const budget = o.budgetMs ?? 20_000
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined

  /** Rows of every metric for [fromMs, toMs), then the watermark rows that say so. */
  async function finalize(fromMs: number, toMs: number, computedMs: number): Promise<void> {
    // An hour finalized again (late events) may no longer have a flow in a bucket it had one in
    // (a late, earlier anchor moved it): first zero every row the hours hold, then write them anew.
    const clear = clearHoursSql(fromMs, toMs, computedMs)
    await o.client.command({ query: clear.query, query_params: clear.params })
    for (const m of FLOW_ROLLUP_METRICS) {
      const q = finalizeHoursSql(m, fromMs, toMs, computedMs)
      await o.client.command({ query: q.query, query_params: q.params })
    }
    await o.client.command({
      query: `INSERT INTO mfa_flow_rollup_hours (hour, flows, computed_at)
SELECT toDateTime(intDiv({from_ms:Int64}, 1000) + number * 3600, 'UTC'), 0, fromUnixTimestamp64Milli({computed_ms:Int64}) FROM numbers({n:UInt32})`,
      query_params: { from_ms: fromMs, n: Math.round((toMs - fromMs) / HOUR_MS), computed_ms: computedMs },
    })
  }

  async function run(): Promise<FlowRollupRun> {
    const started = performance.now()
    const over = () => performance.now() - started > budget
    // computed_at comes from the server's clock, the one the dirty-hour view stamps inserts with,
    // read before the events are: a later insert leaves its hour dirty.
    const serverNow = async () => Number((await rows(o.client, 'SELECT toUnixTimestamp64Milli(now64(3)) AS ms'))[0].ms)
    const computedMs = await serverNow()
    const limit = floorHour(o.now() - FINALIZE_AFTER_MS)
    const [mark] = await rows(o.client, 'SELECT toUnixTimestamp(max(hour)) * 1000 AS h, count() AS n FROM mfa_flow_rollup_hours')
    let next: number
    if (Number(mark.n) > 0) next = Number(mark.h) + HOUR_MS
    else {
      const [first] = await rows(o.client, `SELECT toUnixTimestamp64Milli(min(ts)) AS ms, count() AS n FROM mfa_events WHERE event IN ${litList(FLOW_EVENTS)} AND flow_id != ''`)
      if (Number(first.n) === 0) {
        // Nothing to finalize: as caught up as it can be (the lag gauge reads so, not "unknown").
        o.onRun?.({ finalizedUntilMs: limit, nowMs: o.now() })
        return { finalizedHours: 0, refreshedHours: 0, finalizedUntilMs: null, ms: performance.now() - started, pending: false }
      }
      next = floorHour(Number(first.ms))
    }
    let finalizedHours = 0
    while (next < limit && !over()) {
      const end = Math.min(next + HOURS_PER_STATEMENT * HOUR_MS, limit)
      await finalize(next, end, computedMs)
      finalizedHours += (end - next) / HOUR_MS
      next = end
    }
    let refreshedHours = 0
    let pending = next < limit
    if (!over()) {
      const dirty = await rows(o.client, `${DIRTY_HOURS_SQL} LIMIT 48`)
      // A newer clock than the rows this run may have just written for the same hours: the
      // refresh's zeroes (one millisecond older than its rows) must replace those rows too.
      const refreshedMs = dirty.length > 0 ? Math.max(await serverNow(), computedMs + 2) : computedMs
      for (const r of dirty) {
        if (over()) break
        await finalize(Number(r.h), Number(r.h) + HOUR_MS, refreshedMs)
        refreshedHours++
      }
      pending ||= refreshedHours < dirty.length || dirty.length === 48
    } else pending = true
    o.onRun?.({ finalizedUntilMs: next, nowMs: o.now() })
    return { finalizedHours, refreshedHours, finalizedUntilMs: next, ms: performance.now() - started, pending }
  }

  return {
    /** One run; concurrent calls share it. */
    run(): Promise<FlowRollupRun> {
      if (!running) running = run().finally(() => { running = undefined })
      return running as Promise<FlowRollupRun>
    },
    /** Run now and then every `intervalMs`; a failed run is logged and retried on the next tick. */
    start(intervalMs = 60_000): void {
      const tick = () => {
        this.run().then(
          (r) => {
            if (r.finalizedHours + r.refreshedHours > 0) o.log?.(`flow rollup: ${r.finalizedHours} hour(s) finalized, ${r.refreshedHours} refreshed in ${Math.round(r.ms)} ms${r.pending ? ', more to do' : ''}`)
            return r
          },
          (err: unknown) => { o.log?.(`flow rollup: run failed, retrying in ${intervalMs / 1000} s: ${(err as Error).message.split('\n')[0]}`) },
        ).then((r) => {
          // Catching up (a first start over weeks of events): the next run follows at once.
          if (timer !== undefined) timer = setTimeout(tick, r?.pending ? 250 : intervalMs)
        })
      }
      timer = setTimeout(tick, 0)
    },
    async stop(): Promise<void> {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      await running?.catch(() => undefined)
    },
  }
}
export type FlowRollupJob = ReturnType<typeof createFlowRollupJob>
