import { ATTACK_GAP_MS, attackerHost, attackerIp, RECOVERY_REQUESTS, type AttackPlan } from './attack-plan'
import { flowOf, surprise, type AttackDeps } from './attack-common'
import { pushBombing } from './attack-push'
import { CookieJar, isTransport, type Caller } from './client'
import { guessCode } from './recovery'
import { wrongCode } from './totp'
import { stolenPassword, userClass, type SimUser } from './users'

/**
 * Attacks from the attackers' own networks (attack-plan.ts), never from a user's own address or
 * cookie jar: credential stuffing (a stuffed pair may be a real user's password, then the
 * attacker brute-forces the second factor from a guessing network, or bombs a push user with pushes: attack-push.ts)
 * and recovery abuse. The attackers know nothing the users' devices hold; the generator only
 * makes sure their made-up codes never happen to be valid, so they cannot spend a TOTP step a
 * real user's bookkeeping counts on.
 */

export type { AttackDeps }

/** Wrong codes an attacker sends on one flow: one more than the lockout needs. */
export const ATTACK_GUESSES = 6
const COUNTRIES = ['RU', 'CN', 'VN', 'NG', 'BR']

/** Users whose password leads to a second-factor step (a password-only user would just be signed in). */
const victims = (users: readonly SimUser[], test: (u: SimUser) => boolean) => users.filter((u) => (u.key || u.oob) && test(u))

/** Whom a code brute-forcer can target: app and SMS / voice users (push and passkey users get other attacks, or none). */
export const codeVictim = (u: SimUser): boolean => userClass(u) === 'totp' || userClass(u) === 'oob'
export const pushVictim = (u: SimUser): boolean => userClass(u) === 'push'

/** The victim at position `x` in [0, 1) among those passing `test`, or undefined when there is none. */
export function pickVictim(users: readonly SimUser[], x: number, test: (u: SimUser) => boolean = codeVictim): SimUser | undefined {
  const v = victims(users, test)
  return v.length ? v[Math.min(v.length - 1, Math.floor(x * v.length))] : undefined
}

const token = (rand: () => number, n: number) => Array.from({ length: n }, () => 'abcdefghijkmnpqrstuvwxyz23456789'[Math.floor(rand() * 32)]).join('')
const leakedEmail = (rand: () => number) => `${token(rand, 8)}@leak.example.net`
const leakedPassword = (rand: () => number) => token(rand, 14)
const sixDigits = (rand: () => number) => String(Math.floor(rand() * 1_000_000)).padStart(6, '0')

/** Wrong codes in a row on `flowId` until the IdP locks it; true when it did. */
async function guessUntilLocked(d: AttackDeps, who: Caller, path: string, flowId: string, code: () => string): Promise<boolean> {
  for (let i = 0; i < ATTACK_GUESSES; i++) {
    if (i > 0) await d.sleep(ATTACK_GAP_MS)
    const r = await d.client.post(path, { flow_id: flowId, code: code() }, who)
    if (r.status === 401) continue
    if (r.status === 423) return true
    if (r.status !== 429 && r.status !== 503) surprise(d, r)
    return false
  }
  d.stats.requests.unexpected++ // six wrong codes and no lockout
  return false
}

async function stuffing(d: AttackDeps, plan: AttackPlan, users: readonly SimUser[], who: Caller): Promise<void> {
  // A hit's flow is handed to a code-guessing tool elsewhere (same cookies: the flow's device).
  const guesser: Caller = { ...who, ip: attackerIp('code_guessing', attackerHost(plan.ip)) }
  const a = d.stats.attacks
  const bombing = plan.kind === 'push_bombing'
  const victim = plan.hitAt === null ? undefined : pickVictim(users, plan.victim, bombing ? pushVictim : codeVictim)
  for (let i = 0; i < plan.burst; i++) {
    if (i > 0) await d.sleep(ATTACK_GAP_MS)
    const hit = victim !== undefined && i === plan.hitAt
    // Leaked lists mix addresses the IdP has never seen with its users' addresses (with other sites' passwords).
    const real = users.length > 0 && d.rand() < 0.5 ? users[Math.floor(d.rand() * users.length)] : undefined
    const email = hit ? victim.email : (real?.email ?? leakedEmail(d.rand))
    const r = await d.client.post('/api/v1/login', { email, password: hit ? stolenPassword(victim) : leakedPassword(d.rand) }, who)
    a.stuffing++
    if (r.status === 429 || r.status === 503) {
      a.stuffingLimited++
      continue
    }
    if (!hit) {
      if (r.status !== 401) surprise(d, r)
      continue
    }
    // A real password from a block-listed address: the risk policy allows only app codes (and passkeys).
    if (r.status === 403) {
      a.stuffingRisk++
      continue
    }
    if (r.status === 401) continue // the victim changed the leaked password since
    if (bombing) {
      await pushBombing(d, victim, who, r)
      continue
    }
    if (r.status === 423) {
      a.bruteForce++ // already locked (by an earlier attack): nothing to guess
      a.bruteForceLocked++
      continue
    }
    const flowId = flowOf(r)
    if (!flowId || r.status !== 200 || isTransport(r) || r.body.next !== 'totp') {
      surprise(d, r)
      continue
    }
    a.bruteForce++
    const key = victim.key
    if (await guessUntilLocked(d, guesser, '/api/v1/login/totp', flowId, () => (key ? wrongCode(key, d.now(), d.rand) : sixDigits(d.rand)))) a.bruteForceLocked++
  }
}

/**
 * A sign-up with a real user's address, to learn whether it has an account (the IdP answers 202
 * either way and mails the owner a notice), admin-recovery requests for real users' e-mails with
 * guessed passwords (202 whatever matched), then recovery-code guesses on a flow opened with a
 * stolen password.
 */
async function recoveryAbuse(d: AttackDeps, plan: AttackPlan, users: readonly SimUser[], who: Caller): Promise<void> {
  d.stats.attacks.recoveryAbuse++
  if (users.length > 0) {
    const probed = users[Math.floor(d.rand() * users.length)]
    const s = await d.client.post('/api/v1/signup', { email: probed.email, password: leakedPassword(d.rand) + leakedPassword(d.rand) }, who)
    if (s.status !== 202 && s.status !== 429 && s.status !== 503) surprise(d, s)
    await d.sleep(ATTACK_GAP_MS)
  }
  for (let i = 0; i < RECOVERY_REQUESTS && users.length > 0; i++) {
    if (i > 0) await d.sleep(ATTACK_GAP_MS)
    const target = users[Math.floor(d.rand() * users.length)]
    const r = await d.client.post('/api/v1/recovery/requests', { email: target.email, password: leakedPassword(d.rand) }, who)
    if (r.status !== 202 && r.status !== 429 && r.status !== 503) surprise(d, r)
  }
  // Recovery codes are allowed at high risk, so the stolen password of an app user opens a flow.
  const victim = pickVictim(users, plan.victim, (u) => userClass(u) === 'totp')
  if (!victim) return
  await d.sleep(ATTACK_GAP_MS)
  const r = await d.client.post('/api/v1/login', { email: victim.email, password: stolenPassword(victim) }, who)
  if (r.status === 429 || r.status === 503 || r.status === 423 || r.status === 401) return // limited, already locked, or the password changed since
  const flowId = flowOf(r)
  if (!flowId) return surprise(d, r)
  await guessUntilLocked(d, who, '/api/v1/login/recovery-code', flowId, () => guessCode(d.rand))
}

/** One attack, counted in `stats.attacks` (never in the users' outcomes). */
export async function runAttack(d: AttackDeps, plan: AttackPlan, users: readonly SimUser[]): Promise<void> {
  const a = d.stats.attacks
  a.started++
  a.inFlight++
  const host = attackerHost(plan.ip)
  const who: Caller = { jar: new CookieJar(), country: COUNTRIES[host % COUNTRIES.length], client: 'web', ip: plan.ip }
  try {
    if (plan.kind === 'recovery_abuse') await recoveryAbuse(d, plan, users, who)
    else await stuffing(d, plan, users, who)
  } finally {
    a.inFlight--
  }
}
