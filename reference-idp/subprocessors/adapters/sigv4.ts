import { createHash, createHmac } from 'node:crypto'

/**
 * AWS Signature Version 4 for a request without a query string (what SES v2 SendEmail needs):
 * docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html. Returns the headers to
 * add; `host` is signed from the URL and set by fetch itself.
 */

export interface SigV4Request {
  method: string
  url: string
  /** Headers that will be sent (lower-case names), besides host and the ones returned. */
  headers: Record<string, string>
  body: string
}

export interface SigV4Scope {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  region: string
  service: string
  now: Date
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest()

export function signV4(req: SigV4Request, scope: SigV4Scope): Record<string, string> {
  const url = new URL(req.url)
  if (url.search) throw new Error('sigv4: query strings are not supported by this signer')
  const amzDate = scope.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const added: Record<string, string> = { 'x-amz-date': amzDate }
  if (scope.sessionToken) added['x-amz-security-token'] = scope.sessionToken
  const all: Record<string, string> = { host: url.host }
  for (const [k, v] of Object.entries({ ...req.headers, ...added })) all[k.toLowerCase()] = v.trim().replace(/\s+/g, ' ')
  const names = Object.keys(all).sort()
  const signedHeaders = names.join(';')
  const canonical = [req.method, url.pathname || '/', '', names.map((n) => `${n}:${all[n]}\n`).join(''), signedHeaders, sha256(req.body)].join('\n')
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${scope.secretAccessKey}`, day), scope.region), scope.service), 'aws4_request')
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex')
  return {
    ...added,
    authorization: `AWS4-HMAC-SHA256 Credential=${scope.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  }
}
