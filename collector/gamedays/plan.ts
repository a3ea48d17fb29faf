import type { GuardrailReading } from '../../contract'
import { END_REASON_OF, type AbortCause, type EndReason, type RunRecord } from './types'

/**
 * The controller's pure core: given a run, its guardrail readings and `now`, which steps to
 * apply, which to revert, and whether the run starts or ends. The shell (controller.ts) carries
 * the decision out and records it; nothing here reads a clock or does I/O.
 */
export interface Decision {
  /** A scheduled run whose time has come. */
  start: boolean
  /** Step ids to apply at their target now. */
  apply: string[]
  /** Step ids to revert now (their time is up, or the run is being stopped). */
  revert: string[]
  /** Pending step ids that will never run (their window passed, or the run is being stopped). */
  skip: string[]
  /** Applied step ids whose fault has expired at the target by itself (its revert kept failing). */
  expired: string[]
  /** The run ends once the reverts above succeed. */
  end: { state: 'completed' | 'aborted'; reason: EndReason } | null
  /** The abort this decision carries out (a guardrail trip is first noticed here). */
  abort: AbortCause | null
  why: string
}

const NOTHING: Decision = { start: false, apply: [], revert: [], skip: [], expired: [], end: null, abort: null, why: 'nothing to do' }
const ms = (iso: string) => Date.parse(iso)

/**
 * `marginMs`: how long after a step's end its fault still lives at the target (the expiry the
 * controller asks for is the step's end plus this margin); past it a failed revert no longer matters.
 */
export function plan(run: RunRecord, now: number, guardrails: readonly GuardrailReading[], marginMs: number): Decision {
  if (run.state === 'completed' || run.state === 'aborted') return NOTHING
  const tripped = guardrails.filter((g) => g.tripped)
  if (run.state === 'scheduled') {
    if (run.abort) return { ...NOTHING, skip: run.steps.map((s) => s.id), end: { state: 'aborted', reason: END_REASON_OF[run.abort] }, abort: run.abort, why: `aborted before it started (${run.abort})` }
    if (run.dry_run || now < ms(run.starts_at)) return { ...NOTHING, why: `scheduled for ${run.starts_at}` }
  }
  const starting = run.state === 'scheduled'
  const abort: AbortCause | null = run.abort ?? (!starting && tripped.length > 0 ? 'guardrail' : null)
  const applied = run.steps.filter((s) => s.state === 'applied')
  const pending = run.steps.filter((s) => s.state === 'pending')
  const expired = applied.filter((s) => now >= ms(s.ends_at) + marginMs).map((s) => s.id)
  if (abort) {
    return {
      ...NOTHING, abort, skip: pending.map((s) => s.id), expired,
      revert: applied.filter((s) => !expired.includes(s.id)).map((s) => s.id),
      end: { state: 'aborted', reason: END_REASON_OF[abort] },
      why: abort === 'guardrail' ? `guardrail tripped: ${tripped.map((g) => g.id).join(', ')}` : abort === 'manual' ? 'aborted by an operator' : 'controller restarted with the drill unfinished',
    }
  }
  const apply = pending.filter((s) => now >= ms(s.starts_at) && now < ms(s.ends_at)).map((s) => s.id)
  const skip = pending.filter((s) => now >= ms(s.ends_at)).map((s) => s.id)
  const revert = applied.filter((s) => now >= ms(s.ends_at) && !expired.includes(s.id)).map((s) => s.id)
  // Steps still unfinished once this decision is carried out.
  const left = pending.length - skip.length + applied.length - revert.length - expired.length
  const end = left === 0 ? { state: 'completed' as const, reason: 'completed' as const } : null
  const why = [starting && 'start', apply.length && `apply ${apply.join(', ')}`, revert.length && `revert ${revert.join(', ')}`, skip.length && `skip ${skip.join(', ')}`, expired.length && `expired ${expired.join(', ')}`, end && 'all steps done']
    .filter(Boolean).join('; ')
  return { start: starting, apply, revert, skip, expired, end, abort: null, why: why || 'waiting for the next step' }
}
