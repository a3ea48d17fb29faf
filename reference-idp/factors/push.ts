import { createPublicKey, randomInt, verify, type KeyObject } from 'node:crypto'
import type { Outcome, ReasonOf } from '../../contract'

/**
 * Push approval with number matching: pure policy. The sign-in page shows a two-digit number;
 * the push carries only the challenge id, so the user must type the number into the app to
 * approve (a bombed user cannot approve by reflex, and a guess is right 1 time in 90). Sending
 * is limited against push bombing; every answer is signed by the device's own P-256 key.
 */

export interface PushPolicy {
  /** A push not answered this long after it was sent is over (no_response). */
  ttlMs: number
  /** Unanswered, unexpired pushes a user may have at once. */
  maxOutstanding: number
  maxPerUserPerHour: number
  /** Denied, mismatched or ignored pushes within `bombingWindowMs` that pause push for the user… */
  bombingThreshold: number
  bombingWindowMs: number
  /** … for this long. */
  bombingLockMs: number
}

export const DEFAULT_PUSH_POLICY: PushPolicy = {
  ttlMs: 60_000,
  maxOutstanding: 1,
  maxPerUserPerHour: 5,
  bombingThreshold: 3,
  bombingWindowMs: 10 * 60_000,
  bombingLockMs: 15 * 60_000,
}

export type PushDecision = 'approved' | 'denied' | 'fraud'
export const PUSH_DECISIONS: readonly PushDecision[] = ['approved', 'denied', 'fraud']

/** Two digits, 10–99: never a leading zero to misread. */
export const newMatchNumber = (): number => randomInt(10, 100)

/** One earlier push of the user, as the store keeps it. */
export interface PushHistoryItem {
  /** A test push to a phone being added (no sign-in): one at a time like any, but no quota or bombing count. */
  enrollment?: boolean
  sentAt: Date
  expiresAt: Date
  respondedAt: Date | null
  decision: PushDecision | null
  /** Set once the challenge is over: the `mfa.challenge.verified` reason it closed with. */
  closedReason: string | null
}

export type PushSendDecision =
  | { ok: true }
  | { ok: false; reason: 'push_bombing' | 'outstanding' | 'hourly_quota'; retryAfterSeconds: number }

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

/** When a push counts as a sign of bombing (and when it became one), or undefined. */
function rejectedAt(h: PushHistoryItem, now: Date): Date | undefined {
  if (h.decision === 'denied' || h.decision === 'fraud' || h.closedReason === 'number_mismatch') return h.respondedAt ?? h.sentAt
  // Unanswered until it expired; a push withdrawn because the sign-in finished another way is not.
  if (h.decision === null && h.respondedAt === null && h.closedReason !== 'cancelled' && h.expiresAt.getTime() <= now.getTime()) return h.expiresAt
  return undefined
}

/**
 * May another push go to this user now? `history` is the user's pushes of the last hour at
 * least. Bombing is judged first: it pauses push altogether (the caller locks and emits
 * `mfa.lockout` push_bombing); the other two refusals are plain rate limits.
 */
export function decidePushSend(history: readonly PushHistoryItem[], now: Date, p: PushPolicy = DEFAULT_PUSH_POLICY): PushSendDecision {
  const t = now.getTime()
  const logins = history.filter((h) => !h.enrollment)
  const rejected = logins.map((h) => rejectedAt(h, now)).filter((d): d is Date => d !== undefined && t - d.getTime() < p.bombingWindowMs)
  if (rejected.length >= p.bombingThreshold) return { ok: false, reason: 'push_bombing', retryAfterSeconds: seconds(p.bombingLockMs) }
  const open = history.filter((h) => h.closedReason === null && h.respondedAt === null && h.expiresAt.getTime() > t)
  if (open.length >= p.maxOutstanding) {
    const soonest = Math.min(...open.map((h) => h.expiresAt.getTime()))
    return { ok: false, reason: 'outstanding', retryAfterSeconds: seconds(soonest - t) }
  }
  const lastHour = logins.map((h) => h.sentAt.getTime()).filter((s) => t - s < 3600_000).sort((a, b) => a - b)
  if (lastHour.length >= p.maxPerUserPerHour) {
    // The window slides: the count drops below the limit when this send leaves it.
    const leaves = lastHour[lastHour.length - p.maxPerUserPerHour] + 3600_000
    return { ok: false, reason: 'hourly_quota', retryAfterSeconds: seconds(leaves - t) }
  }
  return { ok: true }
}

export interface PushChallengeState { number: number; expiresAt: Date; respondedAt: Date | null; closedReason: string | null }
export interface PushResponse { number: number; decision: PushDecision }
export type PushVerdict = 'approved' | 'denied' | 'fraud' | 'expired' | 'number_mismatch' | 'replayed'

/**
 * Judge a device's (already signature-checked) answer. The number is checked only for an
 * approval: denying or reporting fraud needs no number, and must never be refused for one.
 */
export function decidePushResponse(c: PushChallengeState, r: PushResponse, now: Date): PushVerdict {
  if (c.respondedAt !== null || c.closedReason !== null) return 'replayed'
  if (now.getTime() >= c.expiresAt.getTime()) return 'expired'
  if (r.decision === 'denied') return 'denied'
  if (r.decision === 'fraud') return 'fraud'
  return r.number === c.number ? 'approved' : 'number_mismatch'
}

/** Outcome and reason of `mfa.challenge.verified` for each verdict. */
export const VERDICT_EVENT: Record<PushVerdict, { outcome: Outcome; reason: ReasonOf<'mfa.challenge.verified'> }> = {
  approved: { outcome: 'success', reason: 'ok' },
  denied: { outcome: 'failure', reason: 'user_denied' },
  fraud: { outcome: 'failure', reason: 'fraud_reported' },
  expired: { outcome: 'expired', reason: 'no_response' },
  number_mismatch: { outcome: 'failure', reason: 'number_mismatch' },
  replayed: { outcome: 'replayed', reason: 'code_replayed' },
}

/** The exact bytes a device signs: `${challengeId}.${number}.${decision}` in UTF-8. */
export const pushSigningInput = (challengeId: string, number: number, decision: PushDecision): Buffer =>
  Buffer.from(`${challengeId}.${number}.${decision}`, 'utf8')

/**
 * A device public key: base64 of the DER SubjectPublicKeyInfo of a P-256 (prime256v1) key,
 * what iOS (`SecKeyCopyExternalRepresentation` + SPKI header), Android Keystore
 * (`getPublicKey().getEncoded()`) and WebCrypto (`exportKey('spki')`) produce.
 */
export function parseDevicePublicKey(base64: string): { ok: true; key: KeyObject } | { ok: false; reason: string } {
  let key: KeyObject
  try {
    key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' })
  } catch {
    return { ok: false, reason: 'not a DER SubjectPublicKeyInfo in base64' }
  }
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') return { ok: false, reason: `expected an EC P-256 key, got ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}` }
  return { ok: true, key }
}

/**
 * ECDSA P-256 with SHA-256 over `pushSigningInput`, signature DER-encoded (ASN.1
 * SEQUENCE{r, s}) in base64url: what iOS `SecKeyCreateSignature(.ecdsaSignatureMessageX962SHA256)`
 * and Android `Signature("SHA256withECDSA")` emit natively. (WebCrypto emits raw r‖s: convert
 * to DER on such a client.) False for anything malformed; never throws.
 */
export function verifyPushSignature(publicKey: string, challengeId: string, number: number, decision: PushDecision, signature: string): boolean {
  const key = parseDevicePublicKey(publicKey)
  if (!key.ok) return false
  try {
    return verify('sha256', pushSigningInput(challengeId, number, decision), { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64url'))
  } catch {
    return false
  }
}
