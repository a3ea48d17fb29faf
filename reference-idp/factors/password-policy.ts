import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common'
import { MfaError } from '../errors'

/**
 * Rules for a NEW password (sign-up, change); signing in with an existing one is never refused by
 * them. ASVS 4.0.3 2.1.1/2.1.2 (12..128 characters, runs of spaces counted once), 2.1.7 and NIST
 * SP 800-63B 5.1.1.2 (refuse common, breached, expected and context-specific values), 2.1.9 (no
 * composition rules: only guessability counts). The list is the ~49k common/breached passwords
 * that ship in @zxcvbn-ts/language-common (no network at run time); zxcvbn-ts scores what is
 * derived from them (l33t, keyboard walks, dates, repeats, added digits).
 */
export const PASSWORD_MIN = 12
export const PASSWORD_MAX = 128
/** zxcvbn score 3 = about 10^8 guesses: beyond an online attack and the throttles in front of it. */
const MIN_SCORE = 3
const SCORED_CHARS = 64
const SERVICE_WORDS = ['factorwatch', 'factor watch', 'reference idp']

export type PasswordRule = 'too_short' | 'too_long' | 'common' | 'context' | 'guessable'
export type PasswordVerdict = { ok: true; score: number } | { ok: false; rule: PasswordRule; message: string }

/** Length in characters as ASVS 2.1.1 counts it: Unicode-normalised, a run of spaces is one. */
export const passwordLength = (password: string): number => [...password.normalize('NFKC').replace(/ {2,}/g, ' ')].length

/** The length rules alone (the HTTP schema applies them before anything else runs). */
export function lengthProblem(password: string): string | undefined {
  const n = passwordLength(password)
  if (n < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters (runs of spaces count as one); got ${n}`
  if (n > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters; got ${n}`
  return undefined
}

let zxcvbn: ZxcvbnFactory | undefined
const scorer = () => (zxcvbn ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs }))
const COMMON = new Set(dictionary['passwords-common'])
const squash = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '')

/** Words a user's own password must not be built on: the service's names and the e-mail address. */
export function contextWords(email?: string): string[] {
  const words = [...SERVICE_WORDS]
  if (email) {
    const [local, domain] = email.toLowerCase().split('@')
    words.push(email.toLowerCase(), local, ...local.split(/[._+-]+/), ...(domain ? [domain.split('.')[0]] : []))
  }
  return [...new Set(words.map(squash))].filter((w) => w.length >= 4)
}

/** Judge a new password; the message names the rule (it follows "password: " in a 400). */
export function checkNewPassword(password: string, o: { email?: string } = {}): PasswordVerdict {
  const length = lengthProblem(password)
  if (length) return { ok: false, rule: passwordLength(password) < PASSWORD_MIN ? 'too_short' : 'too_long', message: length }
  const flat = squash(password)
  // "Password2024!" is "password" with decoration: strip leading/trailing digits and symbols too.
  const core = flat.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')
  if (COMMON.has(flat) || COMMON.has(core)) return { ok: false, rule: 'common', message: 'is on a list of common or breached passwords; choose another (a few unrelated words work well)' }
  const words = contextWords(o.email)
  if (words.some((w) => flat.includes(w))) return { ok: false, rule: 'context', message: 'must not contain your e-mail address, its name part or the name of this service' }
  // zxcvbn's cost grows steeply with length (0.5 s of event loop at 128 characters); its first
  // 64 are plenty to judge, and scoring a prefix errs on the side of refusing.
  const r = scorer().check([...password].slice(0, SCORED_CHARS).join(''), words)
  if (r.score < MIN_SCORE) return { ok: false, rule: 'guessable', message: 'is too easy to guess (close to a common password, a keyboard pattern, a date or a repeat); add a few unrelated words' }
  return { ok: true, score: r.score }
}

/** The shell's form of the check: a 400 naming the field and the rule (`details.rule`). */
export function assertNewPassword(password: string, field: 'password' | 'new_password', email?: string): void {
  const v = checkNewPassword(password, { email })
  if (!v.ok) throw new MfaError('bad_request', `${field}: ${v.message}`, { field, rule: v.rule })
}
