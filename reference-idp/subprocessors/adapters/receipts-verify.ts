import { type KeyObject, createHash, createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto'
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose'
import { ReceiptError, header } from './receipts-error'
import type { ReceiptCredentials, ReceiptRequest, VonageSignatureMethod } from './types'

/**
 * Signature checks of the vendors whose schemes carry a timestamp (Twilio's is in receipts.ts,
 * SNS's in receipts-sns.ts). Each throws a ReceiptError naming the header or parameter and what
 * is wrong with it, never a payload value; a signed timestamp further than `maxSkewSeconds`
 * (default 300) from now is refused as a possible replay.
 */

export const DEFAULT_MAX_SKEW_SECONDS = 300

/** Constant-time string equality (different lengths are simply unequal). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Refuses a signed time (epoch seconds) outside now ± maxSkewSeconds. */
export function checkFresh(vendor: string, what: string, atSeconds: number, nowMs: number, creds: ReceiptCredentials): void {
  const max = creds.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS
  if (!Number.isFinite(atSeconds)) throw new ReceiptError(vendor, 'stale_timestamp', `${what} is not a time`)
  const age = Math.round(nowMs / 1000 - atSeconds)
  if (age > max) throw new ReceiptError(vendor, 'stale_timestamp', `${what} is ${age} s old, more than ${max} s (refused as a possible replay)`)
  if (-age > max) throw new ReceiptError(vendor, 'stale_timestamp', `${what} is ${-age} s in the future, more than ${max} s`)
}

const HMAC_OF: Record<Exclude<VonageSignatureMethod, 'md5hash'>, string> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' }

/**
 * Vonage's SMS API signature (developer.vonage.com/getting-started/concepts/signing-messages):
 * every parameter but `sig`, sorted by name, as `&name=value` with `&` and `=` in values
 * replaced by `_`; then MD5 of that string followed by the secret ("MD5 hash"), or an HMAC
 * keyed with the secret. Lower-case hex (Vonage sends either case).
 */
export function vonageSmsSignature(secret: string, params: Record<string, string>, method: VonageSignatureMethod = 'sha256'): string {
  const query = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `&${k}=${params[k].replace(/[&=]/g, '_')}`)
    .join('')
  if (method === 'md5hash') return createHash('md5').update(query + secret, 'utf8').digest('hex')
  return createHmac(HMAC_OF[method], secret).update(query, 'utf8').digest('hex')
}

/** A signed Vonage SMS DLR: `sig` over the other parameters, and a fresh `timestamp` among them. */
export function verifyVonageSms(vendor: string, params: Record<string, string>, creds: ReceiptCredentials, nowMs: number): void {
  const v = creds.vonage
  if (!v?.signatureSecret) throw new ReceiptError(vendor, 'no_credentials', 'no signature secret configured to verify the sig parameter')
  if (!params.sig) throw new ReceiptError(vendor, 'missing_signature', 'sig parameter missing (signed webhooks not enabled, or not from Vonage)')
  if (!params.timestamp) throw new ReceiptError(vendor, 'missing_signature', 'timestamp parameter missing next to sig')
  const want = vonageSmsSignature(v.signatureSecret, params, v.signatureMethod)
  if (!sameText(params.sig.toLowerCase(), want))
    throw new ReceiptError(vendor, 'bad_signature', 'sig does not match the parameters (wrong signature secret or method, or altered body)')
  checkFresh(vendor, 'timestamp parameter', Number(params.timestamp), nowMs, creds)
}

const jwtSecrets = new Map<string, Uint8Array>()
const secretBytes = (secret: string) => jwtSecrets.get(secret) ?? jwtSecrets.set(secret, new TextEncoder().encode(secret)).get(secret)!

/** jose's verdict on the token, as a ReceiptError naming what is wrong. */
function joseRefusal(vendor: string, e: unknown): ReceiptError {
  if (e instanceof joseErrors.JWTExpired) return new ReceiptError(vendor, 'stale_timestamp', 'Authorization JWT has expired')
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new ReceiptError(vendor, 'bad_signature', 'Authorization JWT: expected alg HS256')
  if (e instanceof joseErrors.JWSSignatureVerificationFailed)
    return new ReceiptError(vendor, 'bad_signature', 'Authorization JWT signature does not match (wrong signature secret, or forged)')
  if (e instanceof joseErrors.JOSEError) return new ReceiptError(vendor, 'bad_signature', `Authorization JWT is not a valid signed JWT (${e.code})`)
  throw e
}

/**
 * Vonage's signed webhooks for the Voice and Messages APIs: `Authorization: Bearer` JWT, HS256
 * with the signature secret, whose `payload_hash` claim is the SHA-256 (hex) of the body and
 * `iat` the signing time (developer.vonage.com "Signed webhooks"; @vonage/jwt verifySignature).
 * The JWS (signature, alg pinned to HS256, `exp` when present) is checked with jose; the body
 * hash, account and freshness here.
 */
export async function verifyVonageJwt(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials, nowMs: number): Promise<void> {
  const v = creds.vonage
  if (!v?.signatureSecret) throw new ReceiptError(vendor, 'no_credentials', 'no signature secret configured to verify the Authorization JWT')
  const m = /^Bearer\s+(\S+)$/i.exec(header(req.headers, 'authorization') ?? '')
  if (!m) throw new ReceiptError(vendor, 'missing_signature', 'Authorization: Bearer JWT missing (signed callbacks not enabled, or not from Vonage)')
  let claims: JWTPayload
  try {
    claims = (await jwtVerify(m[1], secretBytes(v.signatureSecret), { algorithms: ['HS256'], currentDate: new Date(nowMs) })).payload
  } catch (e) {
    throw joseRefusal(vendor, e)
  }
  const hash = createHash('sha256').update(req.body, 'utf8').digest('hex')
  if (typeof claims.payload_hash !== 'string' || !sameText(claims.payload_hash.toLowerCase(), hash))
    throw new ReceiptError(vendor, 'bad_signature', 'Authorization JWT payload_hash does not match the body (altered body)')
  if (v.apiKey && claims.api_key !== v.apiKey) throw new ReceiptError(vendor, 'bad_signature', 'Authorization JWT api_key is not the configured account')
  if (typeof claims.iat !== 'number') throw new ReceiptError(vendor, 'bad_signature', 'Authorization JWT carries no iat')
  checkFresh(vendor, 'Authorization JWT iat', claims.iat, nowMs, creds)
}

const sendgridKeys = new Map<string, KeyObject>()

function sendgridKey(vendor: string, configured: string): KeyObject {
  let key = sendgridKeys.get(configured)
  if (!key) {
    try {
      key = configured.includes('BEGIN PUBLIC KEY')
        ? createPublicKey(configured)
        : createPublicKey({ key: Buffer.from(configured, 'base64'), format: 'der', type: 'spki' })
    } catch {
      throw new ReceiptError(vendor, 'no_credentials', 'the configured verification key is not a public key (expected base64 DER SubjectPublicKeyInfo, as SendGrid shows it, or PEM)')
    }
    if (key.asymmetricKeyType !== 'ec') throw new ReceiptError(vendor, 'no_credentials', `the configured verification key is ${key.asymmetricKeyType}, expected an EC (P-256) key`)
    sendgridKeys.set(configured, key)
  }
  return key
}

const SG_SIGNATURE = 'x-twilio-email-event-webhook-signature'
const SG_TIMESTAMP = 'x-twilio-email-event-webhook-timestamp'

/**
 * SendGrid's signed event webhook (twilio.com/docs/sendgrid/.../getting-started-event-webhook-security-features):
 * ECDSA P-256 with SHA-256 over the timestamp header followed by the raw body; the signature
 * is base64 DER, checked with the webhook's public key.
 */
export function verifySendGrid(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials, nowMs: number): void {
  const configured = creds.sendgrid?.publicKey
  if (!configured) throw new ReceiptError(vendor, 'no_credentials', 'no verification key configured for X-Twilio-Email-Event-Webhook-Signature')
  const signature = header(req.headers, SG_SIGNATURE)
  const timestamp = header(req.headers, SG_TIMESTAMP)
  if (!signature || !timestamp) throw new ReceiptError(vendor, 'missing_signature', 'X-Twilio-Email-Event-Webhook-Signature or -Timestamp header missing')
  let ok = false
  try {
    ok = verify('sha256', Buffer.from(timestamp + req.body, 'utf8'), { key: sendgridKey(vendor, configured), dsaEncoding: 'der' }, Buffer.from(signature, 'base64'))
  } catch (e) {
    if (e instanceof ReceiptError) throw e
    ok = false // a signature that is not DER at all
  }
  if (!ok)
    throw new ReceiptError(vendor, 'bad_signature', 'X-Twilio-Email-Event-Webhook-Signature does not verify over the timestamp and body (wrong key, or altered body)')
  checkFresh(vendor, 'X-Twilio-Email-Event-Webhook-Timestamp', /^\d+$/.test(timestamp) ? Number(timestamp) : NaN, nowMs, creds)
}
