/**
 * Replay bookkeeping. The IdP accepts a code for the current step ±1 but refuses any step at or
 * before the last one it accepted for that credential. So each simulated user remembers the last
 * step it submitted (conservatively: submitted, not only accepted) and picks the current step's
 * code, or the next step's code (time + one period) when the current one is used up. When both
 * are used the user cannot log in again until the clock moves on: pick another user.
 */

export interface StepChoice {
  step: number
  /** A time whose code is this step's code (for authenticator-style `code at time`). */
  timeMs: number
}

/** The step to submit at `nowMs`, or null when this user has no unused step in reach. */
export function chooseStep(lastStep: number | null, nowMs: number, periodSeconds = 30): StepChoice | null {
  const periodMs = periodSeconds * 1000
  const now = Math.floor(nowMs / periodMs)
  if (lastStep === null || lastStep < now) return { step: now, timeMs: nowMs }
  if (lastStep < now + 1) return { step: now + 1, timeMs: nowMs + periodMs }
  return null
}

/** Whether `chooseStep` would find a step: the user can finish a TOTP login now. */
export const hasUsableStep = (lastStep: number | null, nowMs: number, periodSeconds = 30): boolean =>
  chooseStep(lastStep, nowMs, periodSeconds) !== null

/** Record a submitted step; the remembered step never moves backwards. */
export const markStep = (lastStep: number | null, step: number): number => (lastStep === null ? step : Math.max(lastStep, step))

/** Milliseconds until `hasUsableStep` becomes true again (0 when it already is). */
export function msUntilUsable(lastStep: number | null, nowMs: number, periodSeconds = 30): number {
  if (hasUsableStep(lastStep, nowMs, periodSeconds)) return 0
  const periodMs = periodSeconds * 1000
  // Usable once now + 1 > lastStep, i.e. from the start of step lastStep.
  return Math.max(0, (lastStep as number) * periodMs - nowMs)
}
