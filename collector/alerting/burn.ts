import type { Counts } from './types'

/**
 * Burn-rate arithmetic (SRE workbook ch. 5). Objectives are percentages (99.5). A burn rate of
 * 1 spends exactly the budget over the SLO window; 14.4 over 1 h spends 2 % of 30 days' budget.
 */

export const bad = (c: Counts): number => Math.max(0, c.total - c.good)

/** Observed bad ratio ÷ allowed bad ratio; null with no events or no budget (objective 100). */
export function burnRate(c: Counts | null, objective: number): number | null {
  if (!c || c.total <= 0 || objective >= 100) return null
  return bad(c) / c.total / (1 - objective / 100)
}

/** good / total, or null below the minimum volume (never a made-up 0 % or 100 %). */
export function sliValue(c: Counts | null, minVolume: number): number | null {
  if (!c || c.total <= 0 || c.total < minVolume) return null
  return c.good / c.total
}

/**
 * Fraction of the window's error budget left: 1 − bad ÷ (total × allowed ratio). Below 0 when
 * overspent; null below the minimum volume or without a budget.
 */
export function budgetRemaining(c: Counts | null, objective: number, minVolume: number): number | null {
  if (sliValue(c, minVolume) === null || objective >= 100) return null
  const allowed = c!.total * (1 - objective / 100)
  return 1 - bad(c!) / allowed
}

/** Share of the window's budget that `spent` used up (the guide's "50 % of the budget in 1 h"). */
export function budgetSpent(spent: Counts | null, window: Counts | null, objective: number, minVolume: number): number | null {
  if (!spent || sliValue(window, minVolume) === null || objective >= 100) return null
  return bad(spent) / (window!.total * (1 - objective / 100))
}

export function sumCounts(list: readonly Counts[]): Counts {
  let good = 0
  let total = 0
  for (const c of list) {
    good += c.good
    total += c.total
  }
  return { good, total }
}

/** Round for display in reasons and labels (3 significant decimals). */
export const round = (x: number): number => Math.round(x * 1000) / 1000
