import type { QueryWindow, Row } from './types'
import { num } from './sql'

/** Epoch-aligned bucket starts covering [fromMs, toMs): the first may start before `from`. */
export function bucketStarts(w: QueryWindow): number[] {
  const step = w.stepS * 1000
  const out: number[] = []
  for (let t = Math.floor(w.fromMs / step) * step; t < w.toMs; t += step) out.push(t)
  return out
}

/** Rows keyed by their bucket column `t` (rows outside the window's buckets are dropped by callers). */
export function byBucket(rows: Row[]): Map<number, Row[]> {
  const m = new Map<number, Row[]>()
  for (const r of rows) {
    const t = num(r.t)
    const list = m.get(t)
    if (list) list.push(r)
    else m.set(t, [r])
  }
  return m
}

/** One point per bucket; `point` sees the bucket's rows (empty when the bucket had no data). */
export function fillSeries<P extends unknown[]>(w: QueryWindow, rows: Row[], point: (rows: Row[], t: number) => P): [number, ...P][] {
  const grouped = byBucket(rows)
  return bucketStarts(w).map((t) => [t, ...point(grouped.get(t) ?? [], t)] as [number, ...P])
}

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? round(part / whole, 6) : null
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

export function sum(rows: Row[], col: string): number {
  return rows.reduce((a, r) => a + num(r[col]), 0)
}
