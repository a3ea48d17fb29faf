import type { Counts } from './types'

/** Rows of sloCountsSql: b (epoch s), user_group, t0, b0, t1, b1, … */
export type CountRow = Record<string, unknown>

/**
 * Per-bucket counts of every SLO by user group, kept between evaluations so a cycle only
 * re-reads its most recent buckets from ClickHouse. Values: [total0, bad0, total1, bad1, …].
 */
export class BucketStore {
  private readonly buckets = new Map<number, Map<string, Float64Array>>()

  constructor(readonly sloCount: number, readonly bucketS: number) {}

  /** Replace every bucket starting at or after fromS with the given rows. */
  replaceFrom(fromS: number, rows: readonly CountRow[]): void {
    for (const b of this.buckets.keys()) if (b >= fromS) this.buckets.delete(b)
    for (const r of rows) {
      const b = Number(r.b)
      const byGroup = this.buckets.get(b) ?? new Map<string, Float64Array>()
      this.buckets.set(b, byGroup)
      const v = new Float64Array(this.sloCount * 2)
      for (let i = 0; i < this.sloCount; i++) {
        v[2 * i] = Number(r[`t${i}`] ?? 0)
        v[2 * i + 1] = Number(r[`b${i}`] ?? 0)
      }
      byGroup.set(String(r.user_group ?? ''), v)
    }
  }

  /** Add rows whose columns t{j}/b{j} belong to SLO `slos[j]` of this store (merging two sources into one store). */
  addColumns(rows: readonly CountRow[], slos: readonly number[]): void {
    for (const r of rows) {
      const b = Number(r.b)
      const byGroup = this.buckets.get(b) ?? new Map<string, Float64Array>()
      this.buckets.set(b, byGroup)
      const g = String(r.user_group ?? '')
      const v = byGroup.get(g) ?? new Float64Array(this.sloCount * 2)
      byGroup.set(g, v)
      slos.forEach((i, j) => {
        v[2 * i] += Number(r[`t${j}`] ?? 0)
        v[2 * i + 1] += Number(r[`b${j}`] ?? 0)
      })
    }
  }

  /** Drop buckets before beforeS; if `into` is given, fold them into its (coarser) buckets first. */
  prune(beforeS: number, into?: BucketStore): void {
    into?.foldFrom(this, Number.MIN_SAFE_INTEGER, beforeS)
    for (const b of this.buckets.keys()) if (b < beforeS) this.buckets.delete(b)
  }

  /** Sum of another store's buckets in [fromS, toS), folded into this store's bucket size. */
  foldFrom(other: BucketStore, fromS: number, toS: number): void {
    for (const [b, byGroup] of other.buckets) {
      if (b < fromS || b >= toS) continue
      const ib = Math.floor(b / this.bucketS) * this.bucketS
      const dest = this.buckets.get(ib) ?? new Map<string, Float64Array>()
      this.buckets.set(ib, dest)
      for (const [g, v] of byGroup) {
        const acc = dest.get(g) ?? new Float64Array(this.sloCount * 2)
        dest.set(g, acc)
        for (let i = 0; i < v.length; i++) acc[i] += v[i]
      }
    }
  }

  clone(): BucketStore {
    const c = new BucketStore(this.sloCount, this.bucketS)
    for (const [b, byGroup] of this.buckets) c.buckets.set(b, new Map([...byGroup].map(([g, v]) => [g, v.slice()])))
    return c
  }

  get size(): number {
    return this.buckets.size
  }

  /**
   * Sums over each window ending at nowS: result[window][group or '*'][slo] = counts.
   * A bucket belongs to a window when it starts inside it (edges are whole buckets).
   */
  windowTotals(nowS: number, windows: Readonly<Record<string, number>>): Record<string, Record<string, Counts[]>> {
    // Windows all end at nowS, so they nest: add each bucket once, to the shortest window
    // holding it, then accumulate outwards.
    const sorted = Object.entries(windows).sort((a, b) => a[1] - b[1])
    const rings: Array<Record<string, Float64Array>> = sorted.map(() => ({}))
    for (const [b, byGroup] of this.buckets) {
      if (b > nowS) continue
      const k = sorted.findIndex(([, w]) => b >= nowS - w)
      if (k < 0) continue
      const dest = rings[k]
      for (const [g, v] of byGroup) {
        for (const key of [g, '*']) {
          const acc = (dest[key] ??= new Float64Array(this.sloCount * 2))
          for (let i = 0; i < v.length; i++) acc[i] += v[i]
        }
      }
    }
    const shaped: Record<string, Record<string, Counts[]>> = {}
    const running: Record<string, Float64Array> = {}
    sorted.forEach(([name], k) => {
      for (const [g, acc] of Object.entries(rings[k])) {
        const r = (running[g] ??= new Float64Array(this.sloCount * 2))
        for (let i = 0; i < acc.length; i++) r[i] += acc[i]
      }
      shaped[name] = {}
      for (const [g, r] of Object.entries(running)) shaped[name][g] = Array.from({ length: this.sloCount }, (_, i) => ({ total: r[2 * i], good: r[2 * i] - r[2 * i + 1] }))
    })
    return shaped
  }

  /** Per bucket (ascending) counts of one SLO over all groups, for the burn-down. */
  series(slo: number, fromS: number, toS: number): Array<{ b: number; total: number; bad: number }> {
    const out: Array<{ b: number; total: number; bad: number }> = []
    for (const [b, byGroup] of this.buckets) {
      if (b < fromS || b > toS) continue
      let total = 0
      let bad = 0
      for (const v of byGroup.values()) {
        total += v[2 * slo]
        bad += v[2 * slo + 1]
      }
      out.push({ b, total, bad })
    }
    return out.sort((a, b) => a.b - b.b)
  }
}
