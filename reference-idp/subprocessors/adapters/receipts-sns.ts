import { X509Certificate, verify } from 'node:crypto'
import { ReceiptError } from './receipts-error'
import { checkFresh } from './receipts-verify'
import type { ReceiptCredentials, SnsCertificates } from './types'

/**
 * Amazon SNS message signatures (docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
 * the string to sign is "Name\nvalue\n" for fixed fields in byte order, signed SHA1withRSA
 * (SignatureVersion 1) or SHA256withRSA (2) with the key of the certificate at SigningCertURL.
 * That URL comes from the message itself, so only certificates fetched from an allow-listed
 * prefix count (AWS: https://sns.<region>.amazonaws.com/; offline: the simulator's /sns/).
 */

const SIGNED_FIELDS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
}

/** The canonical string SNS signs; optional fields (Subject) only when present. */
export function snsCanonicalString(message: Record<string, unknown>): string {
  let out = ''
  for (const name of SIGNED_FIELDS[String(message.Type)] ?? []) if (typeof message[name] === 'string') out += `${name}\n${message[name] as string}\n`
  return out
}

const HASH_OF_VERSION: Record<string, string> = { '1': 'sha1', '2': 'sha256' }

/** Refuses an SNS message whose signature, certificate or Timestamp does not hold. */
export function verifySns(vendor: string, message: Record<string, unknown>, creds: ReceiptCredentials, nowMs: number): void {
  const certificates = creds.ses?.certificates
  if (!certificates) throw new ReceiptError(vendor, 'no_credentials', 'no SNS signing certificates configured (allow list of SigningCertURL prefixes)')
  const { Signature, SigningCertURL, SignatureVersion } = message
  if (typeof Signature !== 'string' || typeof SigningCertURL !== 'string') throw new ReceiptError(vendor, 'missing_signature', 'SNS Signature or SigningCertURL missing')
  const hash = HASH_OF_VERSION[String(SignatureVersion)]
  if (!hash) throw new ReceiptError(vendor, 'bad_signature', 'SNS SignatureVersion: expected 1 or 2')
  const pem = certificates.get(SigningCertURL)
  if (!pem) throw new ReceiptError(vendor, 'untrusted_certificate', 'SNS SigningCertURL is not on the allow list, or its certificate could not be fetched')
  let ok = false
  try {
    ok = verify(hash, Buffer.from(snsCanonicalString(message), 'utf8'), new X509Certificate(pem).publicKey, Buffer.from(Signature, 'base64'))
  } catch {
    ok = false
  }
  if (!ok) throw new ReceiptError(vendor, 'bad_signature', 'SNS Signature does not verify with the certificate at SigningCertURL (altered message, or not signed by it)')
  checkFresh(vendor, 'SNS Timestamp', Date.parse(String(message.Timestamp)) / 1000, nowMs, creds)
}

export interface SnsCertificateCacheOptions {
  /**
   * URL prefixes a SigningCertURL must start with, e.g. `https://sns.eu-west-1.amazonaws.com/`
   * or the simulator's `http://127.0.0.1:8090/sns/`. Compared as parsed URLs: same origin, path
   * below the prefix's path, no credentials, query or fragment, ending in `.pem`.
   */
  allow: readonly string[]
  fetch?: typeof fetch
  timeoutMs?: number
  now?: () => number
  /** A URL whose fetch failed is not tried again for this long (forged messages cannot make us fetch on every request). */
  retryAfterMs?: number
  maxEntries?: number
}

/**
 * SNS signing certificates by URL, fetched on first use from allow-listed URLs only (SNS
 * rotates its certificate; the new URL is fetched when a message first names it).
 */
export class SnsCertificateCache implements SnsCertificates {
  private readonly prefixes: URL[]
  private readonly pems = new Map<string, string>()
  private readonly failedAt = new Map<string, number>()
  private readonly inflight = new Map<string, Promise<void>>()

  constructor(private readonly o: SnsCertificateCacheOptions) {
    this.prefixes = o.allow.map((p) => {
      if (!URL.canParse(p)) throw new Error(`SNS certificate allow list: "${p}" is not a URL`)
      return new URL(p)
    })
  }

  allowed(url: string): boolean {
    if (!URL.canParse(url)) return false
    const u = new URL(url)
    if (u.username || u.password || u.search || u.hash || !u.pathname.endsWith('.pem')) return false
    return this.prefixes.some((p) => p.origin === u.origin && u.pathname.startsWith(p.pathname))
  }

  get(url: string): string | undefined {
    return this.allowed(url) ? this.pems.get(url) : undefined
  }

  /** Fetches the certificate an SNS message names when allowed and not known yet; never throws. */
  async prepare(body: string): Promise<void> {
    let url: unknown
    try {
      url = (JSON.parse(body) as { SigningCertURL?: unknown })?.SigningCertURL
    } catch {
      return
    }
    if (typeof url !== 'string' || !this.allowed(url) || this.pems.has(url)) return
    const now = this.o.now?.() ?? Date.now()
    const failed = this.failedAt.get(url)
    if (failed !== undefined && now - failed < (this.o.retryAfterMs ?? 60_000)) return
    let pending = this.inflight.get(url)
    if (!pending) {
      pending = this.load(url, now).finally(() => this.inflight.delete(url))
      this.inflight.set(url, pending)
    }
    await pending
  }

  private async load(url: string, now: number): Promise<void> {
    try {
      const res = await (this.o.fetch ?? fetch)(url, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 5_000), redirect: 'error' })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const pem = await res.text()
      new X509Certificate(pem) // only a parseable certificate is kept
      if (this.pems.size >= (this.o.maxEntries ?? 16)) this.pems.delete(this.pems.keys().next().value as string)
      this.pems.set(url, pem)
      this.failedAt.delete(url)
    } catch {
      this.failedAt.set(url, now)
    }
  }
}
