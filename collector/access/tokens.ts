import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Bearer tokens looked up in constant time: every configured token's SHA-256 is compared with
 * the presented token's, all of them every time (no early exit, equal lengths), so neither the
 * answer's timing nor a prefix tells an attacker how close a guess was. Tokens are never kept
 * or logged in clear after construction.
 */
export class TokenTable<V> {
  private readonly entries: { digest: Buffer; value: V }[]

  constructor(tokens: ReadonlyMap<string, V>) {
    this.entries = [...tokens].map(([token, value]) => ({ digest: sha256(token), value }))
  }

  get size(): number {
    return this.entries.length
  }

  lookup(presented: string): V | undefined {
    const d = sha256(presented)
    let found: V | undefined
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && found === undefined) found = e.value
    return found
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/** The token of an `Authorization: Bearer …` header (RFC 6750): none, malformed, or the token. */
export function bearerToken(header: string | string[] | undefined): { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string } {
  if (header === undefined || header === '') return { kind: 'none' }
  if (Array.isArray(header)) return { kind: 'malformed' }
  const m = /^Bearer +(\S+) *$/i.exec(header)
  return m ? { kind: 'token', token: m[1] } : { kind: 'malformed' }
}
