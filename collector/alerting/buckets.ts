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

  prune(beforeS: number): void {
    for (const b of this.buckets.keys()) if (b < beforeS) this.buckets.delete(b)
  }

  get size(): number {
    return this.buckets.size
  }

  /**
   * Sums over each window ending at nowS: result[window][group or '*'][slo] = counts.
   * A bucket belongs to a window when it starts inside it (edges are whole buckets).
   */
  windowTotals(nowS: number, windows: Readonly<Record<string, number>>): Record<string, Record<string, Counts[]>> {
    const out: Record<string, Record<string, Float64Array>> = {}
    const entries = Object.entries(windows)
    for (const [name] of entries) out[name] = {}
    for (const [b, byGroup] of this.buckets) {
      if (b > nowS) continue
      for (const [name, w] of entries) {
        if (b < nowS - w) continue
        const dest = out[name]
        for (const [g, v] of byGroup) {
          for (const key of [g, '*']) {
            const acc = (dest[key] ??= new Float64Array(this.sloCount * 2))
            for (let i = 0; i < v.length; i++) acc[i] += v[i]
          }
        }
      }
    }
    const shaped: Record<string, Record<string, Counts[]>> = {}
    for (const [name, byGroup] of Object.entries(out)) {
      shaped[name] = {}
      for (const [g, acc] of Object.entries(byGroup)) {
        shaped[name][g] = Array.from({ length: this.sloCount }, (_, i) => ({ total: acc[2 * i], good: acc[2 * i] - acc[2 * i + 1] }))
      }
    }
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
