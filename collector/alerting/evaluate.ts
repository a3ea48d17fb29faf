import type { AlertState } from '../../contract'
import { burnRate, budgetSpent, round } from './burn'
import type { AlertMemory, Counts, Rule } from './types'
import type { Op } from '../../dashboards/schema/alerts'

/** What one rule sees at one evaluation. */
export type Samples =
  | { type: 'burn'; long: Counts | null; short: Counts | null; minVolume: number }
  | { type: 'spend'; spent: Counts | null; short: Counts | null; window: Counts | null; minVolume: number }
  | { type: 'value'; value: number | null }

export interface EvalOptions {
  keepFiringForS: number
  missingDataHoldS: number
  keepResolvedForS: number
  /** A gap between evaluations longer than this restarts a pending `for` (the condition was not watched). */
  maxGapS: number
}

export interface Evaluation { state: AlertMemory; reason: string; value: number | null; changed: boolean }

interface Check { active: boolean | null; value: number | null; why: string }

const OPS: Record<Op, (a: number, b: number) => boolean> = { '>': (a, b) => a > b, '>=': (a, b) => a >= b, '<': (a, b) => a < b, '<=': (a, b) => a <= b }

function fmt(x: number | null): string {
  return x === null ? 'n/a' : `${round(x)}`
}

/** Is the rule's condition true for these samples? null when there is not enough data to say. */
export function check(samples: Samples, rule: Rule): Check {
  const c = rule.condition
  if (c.type === 'burn' && samples.type === 'burn') {
    const have = samples.long?.total ?? 0
    if (have === 0 || have < samples.minVolume) return { active: null, value: null, why: `not enough data: ${have} events in ${c.long}, need ${samples.minVolume}` }
    const long = burnRate(samples.long, c.objective)
    const short = burnRate(samples.short, c.objective)
    // A hair of tolerance: 14.4 × 0.005 is not exactly 0.072 in binary floating point.
    const active = long !== null && short !== null && long >= c.factor - 1e-9 && short >= c.factor - 1e-9
    const why = `burn ${fmt(long)}× over ${c.long} and ${short === null ? 'no events' : `${fmt(short)}×`} over ${c.short} ${active ? '≥' : 'vs'} ${c.factor}×`
    return { active, value: long === null ? null : round(long), why }
  }
  if (c.type === 'spend' && samples.type === 'spend') {
    const spent = budgetSpent(samples.spent, samples.window, c.objective, samples.minVolume)
    if (spent === null) return { active: null, value: null, why: `not enough data: ${samples.window?.total ?? 0} events in the SLO window, need ${samples.minVolume}` }
    const short = burnRate(samples.short, c.objective)
    const active = spent >= c.fraction && short !== null && short >= c.shortFactor - 1e-9
    const shortWhy = short === null ? `no events over ${c.short}` : `burn ${fmt(short)}× over ${c.short} ${short >= c.shortFactor - 1e-9 ? '≥' : '<'} ${c.shortFactor}×`
    return { active, value: round(spent), why: `${fmt(spent * 100)} % of the budget spent in ${c.window} ${spent >= c.fraction ? '≥' : '<'} ${c.fraction * 100} %, ${shortWhy}` }
  }
  if (c.type === 'threshold' && samples.type === 'value') {
    if (samples.value === null) return { active: null, value: null, why: 'no data' }
    const active = OPS[c.op](samples.value, c.threshold)
    return { active, value: samples.value, why: `value ${fmt(samples.value)} ${active ? '' : 'not '}${c.op} ${c.threshold}` }
  }
  throw new Error(`rule ${rule.id}: got ${samples.type} samples for a ${c.type} condition`)
}

/**
 * The alert state machine: inactive → pending → firing → resolved (→ inactive). A pure
 * function of the previous memory, the samples, the rule and `now` (ms).
 *
 * - `for`: the condition must hold across evaluations for `forS` before firing; an evaluation
 *   gap longer than maxGapS (or a clock that went back) restarts the wait, because nobody
 *   watched the condition in between.
 * - Flapping: a firing alert whose condition clears stays firing for keepFiringForS.
 * - Missing or low-volume data never fires and never resolves at once: a firing alert waits
 *   missingDataHoldS (telemetry silence has its own rule).
 */
export function evaluate(prev: AlertMemory, samples: Samples, rule: Rule, now: number, opts: EvalOptions): Evaluation {
  const { active, value, why } = check(samples, rule)
  const gapS = prev.lastEval === null ? 0 : (now - prev.lastEval) / 1000
  const clockBack = gapS < 0
  const mem = (state: AlertState, since: number): AlertMemory => ({
    state, since, lastEval: now,
    lastActive: active ? now : clockBack ? null : prev.lastActive,
    lastData: active !== null ? now : clockBack ? null : prev.lastData,
  })
  const to = (state: AlertState, reason: string): Evaluation => {
    const changed = state !== prev.state
    return { state: mem(state, changed ? now : clockBack ? Math.min(prev.since, now) : prev.since), reason, value, changed }
  }
  const heldS = (now - prev.since) / 1000

  if (active) {
    if (prev.state === 'firing') return to('firing', why)
    if (prev.state === 'pending') {
      if (clockBack || gapS > opts.maxGapS) {
        const r = clockBack ? `clock went back ${round(-gapS)} s` : `no evaluation for ${round(gapS)} s`
        return { state: mem('pending', now), reason: `${why}; ${r}, waiting ${rule.forS} s again`, value, changed: false }
      }
      if (heldS >= rule.forS) return to('firing', `${why} for ${round(heldS)} s ≥ for ${rule.forS} s`)
      return to('pending', `${why} for ${round(heldS)} s of ${rule.forS} s`)
    }
    return rule.forS === 0 ? to('firing', why) : to('pending', `${why}; waiting ${rule.forS} s`)
  }

  if (prev.state === 'pending') return to('inactive', active === null ? `${why}; pending dropped` : `${why}; cleared before for elapsed`)
  if (prev.state === 'firing') {
    if (active === false) {
      const since = prev.lastActive === null || clockBack ? null : (now - prev.lastActive) / 1000
      if (since !== null && since < opts.keepFiringForS) return to('firing', `${why}; cleared ${round(since)} s ago, keeping firing for ${opts.keepFiringForS} s`)
      return to('resolved', `${why}; resolved`)
    }
    const quiet = prev.lastData === null || clockBack ? null : (now - prev.lastData) / 1000
    if (quiet !== null && quiet < opts.missingDataHoldS) return to('firing', `${why} for ${round(quiet)} s; holding for ${opts.missingDataHoldS} s`)
    return to('resolved', `${why} for ${quiet === null ? 'an unknown time' : `${round(quiet)} s`}; resolved`)
  }
  if (prev.state === 'resolved') {
    if (heldS >= opts.keepResolvedForS || clockBack) return to('inactive', `${why}; resolved ${round(Math.max(heldS, 0))} s ago`)
    return to('resolved', why)
  }
  return to('inactive', why)
}
