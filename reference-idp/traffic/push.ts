import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { CLOCK_SKEW_MS } from './oob'

/**
 * The simulated authenticator app of the push users: its device key and token, the signed
 * answer it sends, pacing of push logins, and the phone's judgement of each notification
 * (a push the user is waiting for, or an unexpected one). Written here, not imported from the
 * IdP, so the generator checks the IdP against an independent client.
 */

export type PushPlatform = 'ios' | 'android'
export type PushDecision = 'approved' | 'denied' | 'fraud'

/** The app on one phone: the token its vendor routes by, and the P-256 key its answers are signed with. Never printed. */
export interface PushDevice {
  platform: PushPlatform
  token: string
  privateKey: KeyObject
  /** Base64 DER SubjectPublicKeyInfo, as the app registers it. */
  publicKey: string
}

/** A new app install: an APNs token (64 hex digits) or an FCM registration token, and a fresh key pair. */
export function newPushDevice(platform: PushPlatform): PushDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const token = platform === 'ios' ? randomBytes(32).toString('hex') : `fwtraffic-${randomBytes(48).toString('base64url')}`
  return { platform, token, privateKey, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }
}

/**
 * The app's signature of an answer: ECDSA P-256 / SHA-256 over `${challengeId}.${number}.${decision}`
 * (UTF-8), DER-encoded as iOS and Android emit it, in base64url.
 */
export function signPushAnswer(privateKey: KeyObject, challengeId: string, number: number, decision: PushDecision): string {
  return sign('sha256', Buffer.from(`${challengeId}.${number}.${decision}`, 'utf8'), { key: privateKey, dsaEncoding: 'der' }).toString('base64url')
}

/** The body of `POST /api/v1/push/respond`. A denial or fraud report carries no number the user typed (0). */
export function pushAnswer(device: Pick<PushDevice, 'privateKey'>, challengeId: string, decision: PushDecision, number = 0) {
  const n = decision === 'approved' ? number : 0
  return { challenge_id: challengeId, number: n, decision, signature: signPushAnswer(device.privateKey, challengeId, n, decision) }
}

/** A plausible typo of a two-digit number: another number from 10 to 99. Never the number itself. */
export function mistypeNumber(number: number, rand: () => number): number {
  const other = 10 + Math.floor(rand() * 89) // one of the 89 others
  return other >= number ? other + 1 : other
}

/**
 * Pacing: the IdP sends a user at most 5 pushes an hour (the enrollment push and attackers'
 * pushes count too), so a push user starts a login at most every 15 minutes.
 */
export const PUSH_LOGIN_EVERY_MS = 15 * 60_000
/** How long a push can be answered (the IdP's TTL); a waiting sign-in page gives up after it. */
export const PUSH_TTL_MS = 60_000
/** Share of unexpected pushes a user reports as fraud instead of just denying them. */
export const FRAUD_REPORT_SHARE = 0.3
/** Time until a user notices and reacts to an unexpected push: log-normal around this median (times --think-scale). */
export const NOTICE = { medianMs: 6_000, sigma: 0.6 }

export interface PushPacing {
  lastLoginAt: number | null
}
export const pushReady = (p: PushPacing, nowMs: number): boolean => p.lastLoginAt === null || p.lastLoginAt + PUSH_LOGIN_EVERY_MS <= nowMs

/** What the user does with the push of a sign-in it started: approve it, type a wrong number first, or never look. */
export type PendingBehaviour = 'approve' | 'mistype' | 'ignore'

/** A sign-in the user started and whose push it is waiting for (the number is on its screen). */
export interface PendingLogin {
  /** When the password step was sent: pushes that reach the phone after this are this sign-in's. */
  since: number
  /** After this the user no longer waits for the push. */
  until: number
  number: number
  behaviour: PendingBehaviour
  /** The user answers no earlier than this (think time). */
  answerAt: number
  /** Whether the push of this sign-in was answered (a later one is not this sign-in's). */
  answered: boolean
}

/** A notification on the phone, as the simulator's device API lists it (the fields used here). */
export interface PhonePush {
  id: string
  challengeId: string
  /** 'login' (a sign-in or step-up) or 'enrollment' (the test push when adding the phone). */
  kind: string
  receivedAt: number
}

export type PhoneVerdict =
  | { act: 'approve'; number: number }
  | { act: 'deny' }
  | { act: 'fraud' }
  /** Nothing to do, ever (an enrollment push, or the user walked away): mark it read. */
  | { act: 'ignore' }
  /** Not yet: the user has not looked (think or notice time). */
  | { act: 'later' }

export interface JudgeInput {
  /** When the user reacts to this push if it is unexpected (first noticed + notice time). */
  reactAt: number
  /** In [0, 1): below `fraudShare` the user reports an unexpected push as fraud. */
  fraudRoll: number
  fraudShare?: number
  /** The number a mistyping user types instead. */
  typo?: number
  skewMs?: number
}

/**
 * The phone's judgement of one unread login push. A push that reaches the phone while the user
 * waits for its own sign-in's push (after the password step, before the user gave up) and
 * before that push was answered is the user's own: approved with the number on the screen
 * (after the think time), or mistyped, or never looked at. Any other login push is unexpected:
 * somebody else has the password. The user denies it once noticed, sometimes reporting fraud.
 */
export function judgePush(p: PhonePush, pending: PendingLogin | null, now: number, i: JudgeInput): PhoneVerdict {
  if (p.kind !== 'login') return { act: 'ignore' }
  const skew = i.skewMs ?? CLOCK_SKEW_MS
  const own = pending !== null && !pending.answered && now <= pending.until && p.receivedAt >= pending.since - skew
  if (own) {
    if (pending.behaviour === 'ignore') return { act: 'ignore' }
    if (now < pending.answerAt) return { act: 'later' }
    return { act: 'approve', number: pending.behaviour === 'mistype' && i.typo !== undefined ? i.typo : pending.number }
  }
  if (now < i.reactAt) return { act: 'later' }
  return i.fraudRoll < (i.fraudShare ?? FRAUD_REPORT_SHARE) ? { act: 'fraud' } : { act: 'deny' }
}

/** The login and enrollment pushes in a `GET /devices/push/{token}/notifications` answer, oldest first; null when unreadable. */
export function parseNotifications(body: unknown): PhonePush[] | null {
  const list = (body as { notifications?: unknown } | null)?.notifications
  if (!Array.isArray(list)) return null
  const out: PhonePush[] = []
  for (const n of list as Record<string, unknown>[]) {
    const data = n?.data as Record<string, unknown> | undefined
    const at = typeof n?.receivedAt === 'string' ? Date.parse(n.receivedAt) : NaN
    if (!n || typeof n.id !== 'string' || typeof data?.challenge_id !== 'string' || Number.isNaN(at)) continue
    out.push({ id: n.id, challengeId: data.challenge_id, kind: typeof data.kind === 'string' ? data.kind : 'login', receivedAt: at })
  }
  return out.sort((a, b) => a.receivedAt - b.receivedAt)
}
