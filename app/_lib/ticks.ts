/** Axis ticks on round values, so charts read "04:10, 04:20" and "0, 1 s, 2 s", not 04:19 or 850 ms. */

const MIN = 60_000
const TIME_STEPS = [MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, 60 * MIN, 2 * 60 * MIN, 3 * 60 * MIN, 6 * 60 * MIN, 12 * 60 * MIN, 24 * 60 * MIN, 2 * 24 * 60 * MIN, 7 * 24 * 60 * MIN]

/**
 * Ticks at multiples of a round interval inside [from, to], at most `max` of them.
 * `offsetMs` is the viewer's UTC offset so hour and day ticks fall on local midnight/hours.
 */
export function timeTicks(from: number, to: number, max = 7, offsetMs = 0): number[] {
  if (!(to > from)) return []
  const step = TIME_STEPS.find((s) => (to - from) / s <= max) ?? Math.ceil((to - from) / max / TIME_STEPS.at(-1)!) * TIME_STEPS.at(-1)!
  const out: number[] = []
  for (let t = Math.ceil((from + offsetMs) / step) * step - offsetMs; t <= to; t += step) out.push(t)
  return out
}

/** 0 and round values (1-2-5 × 10^n) up to at least `max`, about `count` of them. */
export function valueTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0]
  const raw = max / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!
  const out: number[] = []
  for (let v = 0; v < max + step; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

/**
 * Round ticks for budget left: 0–100 % in quarters, and when overspent, round steps below zero
 * (−10×, −20×, … of the budget) so the axis reads −1,000 %, −2,000 %, not −1,180 %.
 */
export function budgetTicks(lo: number): number[] {
  if (lo >= 0) return [0, 0.25, 0.5, 0.75, 1]
  const below = valueTicks(-lo, 3).map((v) => -v).reverse()
  return -lo <= 2 ? [...below.filter((v) => v < 0), 0, 0.5, 1] : [...below.filter((v) => v < 0), 0, 1]
}
