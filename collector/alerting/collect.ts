import type { ClickHouseClient } from '@clickhouse/client'
import { BURN_WINDOWS } from '../../contract'
import { durationSeconds } from '../../dashboards/schema/yaml-file'
import { runSql } from '../query/run'
import { BucketStore } from './buckets'
import { ROLLUP_1H_SOURCE, RAW_SOURCE, circuitSql, countSql, coverageSql, lastSeenSql, rollupable, sloCountsSql } from './sql'
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

/**
 * Per-minute counts of every SLO (raw events; the burn windows, up to 3 d) and per-hour counts
 * for the rest of each SLO window (28 d; the hourly rollup where an SLO allows it, raw events
 * otherwise). The long history is read once, at start; afterwards a cycle re-reads only the
 * last ten minutes (late events included), and minutes that age out of the burn windows are
 * folded into their hours. A clock that goes back, or a gap longer than the minute span,
 * starts over with a full read.
 */
export class SloCounter {
  readonly countable: Slo[]
  readonly index = new Map<string, number>()
  private minute: BucketStore
  private hour: BucketStore
  /** Hour-aligned start of the minute store; older counts live in the hour store. */
  private boundaryS = 0
  private lastReadS: number | null = null
  private combined: { at: number; store: BucketStore } | null = null
  readonly burnWindowsS: Record<string, number>
  private readonly minuteSpanS: number
  private readonly longSpanS: number
  private readonly rollupSlos: number[]
  private readonly rawSlos: number[]

  constructor(private readonly client: ClickHouseClient, set: RuleSet) {
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
    this.hour = new BucketStore(this.countable.length, HOUR_S)
    this.rollupSlos = this.countable.map((s, i) => (rollupable(s) ? i : -1)).filter((i) => i >= 0)
    this.rawSlos = this.countable.map((_, i) => i).filter((i) => !this.rollupSlos.includes(i))
  }

  async refresh(nowMs: number): Promise<void> {
    if (this.countable.length === 0) return
    const nowS = Math.floor(nowMs / 1000)
    this.combined = null
    const last = this.lastReadS
    if (last === null || nowS < last - 60 || nowS - last > this.minuteSpanS) {
      await this.readAll(nowMs)
    } else {
      const fromS = Math.floor((Math.min(nowS, last) - 600) / 60) * 60
      this.minute.replaceFrom(fromS, await runSql(this.client, sloCountsSql(this.countable, RAW_SOURCE, 60, fromS * 1000, nowMs + 1)))
      const boundary = Math.floor((nowS - this.minuteSpanS) / HOUR_S) * HOUR_S
      if (boundary > this.boundaryS) {
        this.minute.prune(boundary, this.hour)
        this.boundaryS = boundary
      }
      this.hour.prune(nowS - this.longSpanS - HOUR_S)
    }
    this.lastReadS = nowS
  }

  private async readAll(nowMs: number): Promise<void> {
    const nowS = Math.floor(nowMs / 1000)
    this.boundaryS = Math.floor((nowS - this.minuteSpanS) / HOUR_S) * HOUR_S
    this.minute = new BucketStore(this.countable.length, 60)
    this.minute.replaceFrom(this.boundaryS, await runSql(this.client, sloCountsSql(this.countable, RAW_SOURCE, 60, this.boundaryS * 1000, nowMs + 1)))
    this.hour = new BucketStore(this.countable.length, HOUR_S)
    const longFrom = Math.floor((nowS - this.longSpanS) / HOUR_S) * HOUR_S
    if (longFrom >= this.boundaryS) return
    for (const [source, slos] of [[ROLLUP_1H_SOURCE, this.rollupSlos], [RAW_SOURCE, this.rawSlos]] as const) {
      if (slos.length === 0) continue
      const rows = await runSql(this.client, sloCountsSql(slos.map((i) => this.countable[i]), source, HOUR_S, longFrom * 1000, this.boundaryS * 1000))
      this.hour.addColumns(rows, slos)
    }
  }

  windows(nowMs: number): CycleInput['windows'] {
    return this.minute.windowTotals(Math.floor(nowMs / 1000), this.burnWindowsS)
  }

  /** Hours of the SLO windows: the hour store plus the minute store folded into hours. */
  private hours(nowMs: number): BucketStore {
    if (this.combined?.at === nowMs) return this.combined.store
    const store = this.hour.clone()
    store.foldFrom(this.minute, this.boundaryS, Number.MAX_SAFE_INTEGER)
    this.combined = { at: nowMs, store }
    return store
  }

  /** Each SLO's counts over its own window, per group and '*'. */
  sloWindow(nowMs: number): CycleInput['sloWindow'] {
    const nowS = Math.floor(nowMs / 1000)
    const distinct = [...new Set(this.countable.map((s) => s.windowS))]
    const totals = this.hours(nowMs).windowTotals(nowS, Object.fromEntries(distinct.map((w) => [String(w), w])))
    const out: Record<string, Counts[]> = {}
    this.countable.forEach((slo, i) => {
      for (const [g, counts] of Object.entries(totals[String(slo.windowS)] ?? {})) (out[g] ??= this.countable.map(() => ({ good: 0, total: 0 })))[i] = counts[i]
    })
    out['*'] ??= this.countable.map(() => ({ good: 0, total: 0 }))
    return out
  }

  /** Hourly total and bad counts of one SLO over its window (ascending), for the burn-down. */
  hourly(sloId: string, nowMs: number): Array<{ b: number; total: number; bad: number }> {
    const i = this.index.get(sloId)
    if (i === undefined) return []
    const nowS = Math.floor(nowMs / 1000)
    return this.hours(nowMs).series(i, nowS - this.countable[i].windowS, nowS)
  }
}

/**
 * Values of every threshold rule, keyed by split value. Producers seen over the silence
 * rule's lookback (a day of events) are read once an hour; each cycle reads only the last hour.
 */
export class ThresholdReader {
  private producers: { at: number; last: Map<string, number> } | null = null

  constructor(private readonly client: ClickHouseClient, private readonly set: RuleSet) {}

  async read(nowMs: number): Promise<CycleInput['thresholds']> {
    const out: CycleInput['thresholds'] = {}
    const vendors = [...new Set(this.set.slos.map((s) => s.vendor).filter((v): v is string => v !== null))]
    for (const rule of this.set.rules) {
      if (rule.condition.type !== 'threshold') continue
      const c = rule.condition.condition
      const values: Record<string, number | null> = {}
      if (c.type === 'count') {
        const ws = (durationSeconds(c.window) ?? 0) * 1000
        const by = c.by ?? null
        for (const r of await runSql(this.client, countSql(c.filter, by, nowMs - ws, nowMs + 1))) values[String(r.k)] = Number(r.n)
        if (by === null) values[''] ??= 0
        if (by === 'user_group') for (const g of ['admin', 'workforce', 'customer', 'vendor']) values[g] ??= 0
      } else if (c.type === 'circuit_open') {
        for (const v of vendors) values[v] = 0
        for (const r of await runSql(this.client, circuitSql(nowMs - 30 * DAY_MS, nowMs + 1))) values[String(r.k)] = r.state === 'closed' ? 0 : 1
      } else if (c.type === 'coverage') {
        const rows = await runSql(this.client, coverageSql(c.user_group, nowMs - 30 * DAY_MS, nowMs + 1))
        const total = Math.max(0, ...rows.map((r) => Number(r.total)))
        values[''] = rows.length === 0 || total === 0 ? null : Math.max(...rows.map((r) => Number(r.enrolled))) / total
      } else {
        const lookback = (durationSeconds(c.lookback) ?? 0) * 1000
        for (const [k, last] of await this.lastSeen(nowMs, lookback)) values[k] = Math.max(0, Math.round((nowMs - last) / 1000))
      }
      out[rule.id] = values
    }
    return out
  }

  private async lastSeen(nowMs: number, lookbackMs: number): Promise<Map<string, number>> {
    const fresh = this.producers === null || nowMs - this.producers.at >= 3_600_000 || nowMs < this.producers.at
    if (fresh) {
      const last = new Map<string, number>()
      for (const r of await runSql(this.client, lastSeenSql(nowMs - lookbackMs, nowMs + 1))) last.set(String(r.k) || 'unknown', Number(r.last))
      this.producers = { at: nowMs, last }
      return new Map(last)
    }
    const last = this.producers!.last
    for (const r of await runSql(this.client, lastSeenSql(nowMs - 3_600_000, nowMs + 1))) last.set(String(r.k) || 'unknown', Math.max(Number(r.last), last.get(String(r.k) || 'unknown') ?? 0))
    for (const [k, t] of last) if (t < nowMs - lookbackMs) last.delete(k)
    return new Map(last)
  }
}
