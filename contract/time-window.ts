/**
 * Window and step rules of the query API, shared by the collector (which enforces them and picks
 * a step when none is given) and the console (which picks the step it asks for). One target
 * point count, so a chart drawn by the console and an API call without `step` bucket alike.
 */

/** Longest window: the collector's hourly rollups make 90 days affordable. */
export const MAX_RANGE_S = 90 * 24 * 3600
/** Shortest bucket the collector accepts. */
export const MIN_STEP_S = 10
/** Most buckets one answer may have (an explicit `step` may ask for more than the target). */
export const MAX_BUCKETS = 2000
/** Points a chart aims at: enough to show a five-minute dip in a six-hour view. */
export const TARGET_POINTS = 120
/** Round steps so buckets line up with wall-clock minutes, hours and days. */
export const NICE_STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400] as const

/** The smallest nice step giving at most `TARGET_POINTS` buckets over `spanS`; whole days beyond. */
export function chooseStep(spanS: number): number {
  for (const s of NICE_STEPS) if (spanS / s <= TARGET_POINTS) return s
  return Math.ceil(spanS / TARGET_POINTS / 86400) * 86400
}
