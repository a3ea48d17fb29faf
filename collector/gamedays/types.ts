import type { GameDay } from '../../contract'

/** How a game day ends, as the contract's end_reason (and gameday.ended's mfa.reason). */
export type EndReason = NonNullable<GameDay['end_reason']>

/** Why a running drill is being stopped early: by an operator, by a guardrail, or on restart of the controller. */
export type AbortCause = 'manual' | 'guardrail' | 'restart'

export const END_REASON_OF: Record<AbortCause, EndReason> = { manual: 'aborted_manual', guardrail: 'aborted_guardrail', restart: 'reverted' }

/**
 * A game day as the controller keeps it: the contract's shape (what the API answers) plus what
 * alerting and the controller need (pages, vendors, a requested abort). Stored in gameday_runs,
 * one row per version.
 */
export interface RunRecord extends GameDay {
  pages: boolean
  vendors: string[]
  /** Set by POST …/abort or a tripped guardrail; the next tick reverts and ends the run. */
  abort: AbortCause | null
}
