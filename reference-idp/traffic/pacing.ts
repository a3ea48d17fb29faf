/**
 * Pacing of SMS / voice users. They have no 30-s TOTP step to spend, but the IdP limits what
 * may be sent to them: a 30-s cooldown after any code and at most 10 codes an hour per user
 * (and per address). A login needs one code, maybe a second (one resend). So a user starts a
 * login at most once per 6 minutes, not within the cooldown of its last code, and only while
 * the last hour leaves room for two more codes. The user's own enrollment code counts too.
 */

export interface OobPacingRules {
  loginEveryMs: number
  cooldownMs: number
  hourlyQuota: number
  /** Codes one login may need: the first and one resend. */
  sendsPerLogin: number
  /** Slack for the IdP's clock and the time a request takes to reach it. */
  marginMs: number
}

export const OOB_PACING: OobPacingRules = { loginEveryMs: 6 * 60_000, cooldownMs: 30_000, hourlyQuota: 10, sendsPerLogin: 2, marginMs: 1_000 }

const HOUR_MS = 3_600_000

/** What the pacing knows of one user: when its last login started and when codes were sent to it. */
export interface OobPacing {
  lastLoginAt: number | null
  /** Times (ms since epoch) of codes the IdP reported sent, ascending. */
  sends: number[]
}

/** The earliest time this user may start a login (may be in the past: ready now). */
export function oobReadyAt(p: OobPacing, rules: OobPacingRules = OOB_PACING): number {
  let at = -Infinity
  if (p.lastLoginAt !== null) at = Math.max(at, p.lastLoginAt + rules.loginEveryMs)
  const n = p.sends.length
  if (n > 0) at = Math.max(at, p.sends[n - 1] + rules.cooldownMs + rules.marginMs)
  // At most `keep` codes may lie in the hour before the login; the one just older than those must have left it.
  const keep = rules.hourlyQuota - rules.sendsPerLogin
  if (n > keep) at = Math.max(at, p.sends[n - keep - 1] + HOUR_MS + rules.marginMs)
  return at
}

export const oobReady = (p: OobPacing, nowMs: number, rules: OobPacingRules = OOB_PACING): boolean => oobReadyAt(p, rules) <= nowMs

/** Note a code the IdP sent at `atMs`; only the last quota's worth matters, so older ones are dropped. */
export function recordSend(p: OobPacing, atMs: number, rules: OobPacingRules = OOB_PACING): void {
  p.sends.push(atMs)
  p.sends.sort((a, b) => a - b)
  if (p.sends.length > rules.hourlyQuota) p.sends.splice(0, p.sends.length - rules.hourlyQuota)
}
