import type { ClickHouseClient } from '@clickhouse/client'
import { BURN_WINDOWS } from '../../contract'
import { durationSeconds } from '../../dashboards/schema/yaml-file'
import { runSql } from '../query/run'
import { BucketStore } from './buckets'
import { ROLLUP_1H_SOURCE, RAW_SOURCE, circuitSql, countSql, coverageSql, lastSeenSql, rollupable, sloCountsSql, type SloSource } from './sql'
import type { Counts, RuleSet, Slo } from './types'

/** What one evaluation cycle reads from ClickHouse, shaped for the pure parts. */
export interface CycleInput {
  nowMs: number
  /** Minute-bucket sums per burn window: [window][user group or '*'][slo index]. */
  windows: Record<string, Record<string, Counts[]>>
  /** Sums over each SLO's own window (28d) from hourly buckets: [user group or '*'][slo index]. */
  sloWindow: Record<string, Counts[]>
  /** Threshold rule values per split key ('' when the rule is not split). */
  thresholds: Record<string, Record<string, number | null>>
}

const DAY_MS = 86_400_000
const HOUR_S = 3600

interface LongPart { source: SloSource; slos: number[]; store: BucketStore; fullAt: number | null }

/**
 * Keeps per-minute counts (raw events, the burn windows up to 3 d) and per-hour counts (the
 * hourly rollup where an SLO allows it, raw events otherwise; the SLO windows) between cycles.
 * A cycle re-reads only the last minutes and hours; a full re-read happens every hour (minutes)
 * and every 6 hours (hours) so late events are counted too.
 */
export class SloCounter {
  readonly countable: Slo[]
  readonly index = new Map<string, number>()
  private readonly minute: BucketStore
  private minuteFullAt: number | null = null
  private readonly long: LongPart[]
  readonly burnWindowsS: Record<string, number>
  private readonly minuteSpanS: number
  private readonly longSpanS: number

  constructor(private readonly client: ClickHouseClient, private readonly set: RuleSet) {
    this.countable = set.slos.filter((s) => s.kind !== 'coverage')
    this.countable.forEach((s, i) => this.index.set(s.id, i))
    const windows = new Set<string>(BURN_WINDOWS)
    for (const r of set.rules) {
      if (r.condition.type === 'burn') windows.add(r.condition.long).add(r.condition.short)
      if (r.condition.type === 'spend') windows.add(r.condition.window).add(r.condition.short)
    }
    this.burnWindowsS = Object.fromEntries([...windows].map((w) => [w, durationSeconds(w) ?? 0]))
    this.minuteSpanS = Math.max(...Object.values(this.burnWindowsS))
    this.longSpanS = Math.max(HOUR_S, ...this.countable.map((s) => s.windowS))
    this.minute = new BucketStore(this.countable.length, 60)
    const roll = this.countable.map((s, i) => (rollupable(s) ? i : -1)).filter((i) => i >= 0)
    const raw = this.countable.map((_, i) => i).filter((i) => !roll.includes(i))
    this.long = [
      { source: ROLLUP_1H_SOURCE, slos: roll, store: new BucketStore(roll.length, HOUR_S), fullAt: null },
      { source: RAW_SOURCE, slos: raw, store: new BucketStore(raw.length, HOUR_S), fullAt: null },
    ].filter((p) => p.slos.length > 0)
  }

  async refresh(nowMs: number): Promise<void> {
    if (this.countable.length === 0) return
    const nowS = Math.floor(nowMs / 1000)
    const full = this.minuteFullAt === null || nowS - this.minuteFullAt >= HOUR_S || nowS < this.minuteFullAt
    const fromS = full ? Math.floor((nowS - this.minuteSpanS) / 60) * 60 : Math.floor((nowS - 600) / 60) * 60
    const rows = await runSql(this.client, sloCountsSql(this.countable, RAW_SOURCE, 60, fromS * 1000, nowMs + 1))
    if (full) this.minuteFullAt = nowS
    this.minute.replaceFrom(fromS, rows)
    this.minute.prune(nowS - this.minuteSpanS - 60)
    for (const p of this.long) {
      const fullL = p.fullAt === null || nowS - p.fullAt >= 6 * HOUR_S || nowS < p.fullAt
      const from = Math.floor((fullL ? nowS - this.longSpanS : nowS - 2 * HOUR_S) / HOUR_S) * HOUR_S
      const slos = p.slos.map((i) => this.countable[i])
      p.store.replaceFrom(from, await runSql(this.client, sloCountsSql(slos, p.source, HOUR_S, from * 1000, nowMs + 1)))
      if (fullL) p.fullAt = nowS
      p.store.prune(nowS - this.longSpanS - HOUR_S)
    }
  }

  windows(nowMs: number): CycleInput['windows'] {
    return this.minute.windowTotals(Math.floor(nowMs / 1000), this.burnWindowsS)
  }

  /** Each SLO's counts over its own window, per group and '*'. */
  sloWindow(nowMs: number): CycleInput['sloWindow'] {
    const nowS = Math.floor(nowMs / 1000)
    const out: Record<string, Counts[]> = {}
    const distinct = [...new Set(this.countable.map((s) => s.windowS))]
    for (const p of this.long) {
      const totals = p.store.windowTotals(nowS, Object.fromEntries(distinct.map((w) => [String(w), w])))
      p.slos.forEach((sloIdx, j) => {
        const byGroup = totals[String(this.countable[sloIdx].windowS)] ?? {}
        for (const [g, counts] of Object.entries(byGroup)) (out[g] ??= this.countable.map(() => ({ good: 0, total: 0 })))[sloIdx] = counts[j]
      })
    }
    out['*'] ??= this.countable.map(() => ({ good: 0, total: 0 }))
    return out
  }

  /** Hourly total and bad counts of one SLO over its window (ascending), for the burn-down. */
  hourly(sloId: string, nowMs: number): Array<{ b: number; total: number; bad: number }> {
    const i = this.index.get(sloId)
    if (i === undefined) return []
    const nowS = Math.floor(nowMs / 1000)
    const p = this.long.find((x) => x.slos.includes(i))!
    return p.store.series(p.slos.indexOf(i), nowS - this.countable[i].windowS, nowS)
  }
}

/** Values of every threshold rule, keyed by split value. */
export async function readThresholds(client: ClickHouseClient, set: RuleSet, nowMs: number): Promise<CycleInput['thresholds']> {
  const out: CycleInput['thresholds'] = {}
  const vendors = [...new Set(set.slos.map((s) => s.vendor).filter((v): v is string => v !== null))]
  for (const rule of set.rules) {
    if (rule.condition.type !== 'threshold') continue
    const c = rule.condition.condition
    const values: Record<string, number | null> = {}
    if (c.type === 'count') {
      const ws = (durationSeconds(c.window) ?? 0) * 1000
      const by = c.by ?? null
      for (const r of await runSql(client, countSql(c.filter, by, nowMs - ws, nowMs + 1))) values[String(r.k)] = Number(r.n)
      if (by === null) values[''] ??= 0
      if (by === 'user_group') for (const g of ['admin', 'workforce', 'customer', 'vendor']) values[g] ??= 0
    } else if (c.type === 'circuit_open') {
      for (const v of vendors) values[v] = 0
      for (const r of await runSql(client, circuitSql(nowMs - 30 * DAY_MS, nowMs + 1))) values[String(r.k)] = r.state === 'closed' ? 0 : 1
    } else if (c.type === 'coverage') {
      const rows = await runSql(client, coverageSql(c.user_group, nowMs - 30 * DAY_MS, nowMs + 1))
      const total = Math.max(0, ...rows.map((r) => Number(r.total)))
      values[''] = rows.length === 0 || total === 0 ? null : Math.max(...rows.map((r) => Number(r.enrolled))) / total
    } else {
      const lookback = (durationSeconds(c.lookback) ?? 0) * 1000
      for (const r of await runSql(client, lastSeenSql(nowMs - lookback, nowMs + 1))) values[String(r.k) || 'unknown'] = Math.max(0, Math.round((nowMs - Number(r.last)) / 1000))
    }
    out[rule.id] = values
  }
  return out
}
