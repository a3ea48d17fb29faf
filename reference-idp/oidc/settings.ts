import { createPrivateKey, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'

/**
 * The OpenID Connect provider's configuration, parsed once at start-up: the relying parties
 * (IDP_OIDC_CLIENTS / IDP_OIDC_CLIENTS_FILE) and the signing keys (IDP_OIDC_SIGNING_KEYS /
 * IDP_OIDC_SIGNING_KEYS_FILE). Pure parsers that throw one line naming what is wrong.
 */

const Uri = (what: string) => z.string().refine((s) => {
  try {
    const u = new URL(s)
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.hash
  } catch {
    return false
  }
}, `${what}: expected an absolute http(s) URL without a #fragment`)

export const OidcClient = z.object({
  client_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'client_id: expected 1-128 letters, digits, ".", "_", ":" or "-"'),
  /** Absent or null: a public client (no secret, token endpoint auth "none"); PKCE is required of every client anyway. */
  client_secret: z.string().min(32, 'client_secret: at least 32 characters (e.g. `openssl rand -base64 32`)').nullish(),
  redirect_uris: z.array(Uri('redirect_uris')).min(1, 'redirect_uris: at least one'),
  post_logout_redirect_uris: z.array(Uri('post_logout_redirect_uris')).default([]),
  client_name: z.string().max(100).optional(),
  /** How a confidential client authenticates at the token endpoint; default client_secret_post (openid-client's default). */
  token_endpoint_auth_method: z.enum(['client_secret_post', 'client_secret_basic'], 'token_endpoint_auth_method: expected client_secret_post or client_secret_basic').optional(),
}).strict()
export type OidcClient = z.infer<typeof OidcClient>

/** `IDP_OIDC_CLIENTS` (JSON array of clients). Throws naming the client and field. */
export function parseOidcClients(json: string): OidcClient[] {
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    throw new Error('expected a JSON array of clients ([{"client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris"}]), got text that is not JSON')
  }
  if (!Array.isArray(v)) throw new Error('expected a JSON array of clients')
  const seen = new Set<string>()
  return v.map((raw, i) => {
    const r = OidcClient.safeParse(raw)
    const id = raw && typeof raw === 'object' && typeof (raw as { client_id?: unknown }).client_id === 'string' ? ` (${String((raw as { client_id: string }).client_id).slice(0, 40)})` : ''
    if (!r.success) {
      const issue = r.error.issues[0]
      const where = issue.path.length ? `${issue.path.join('.')}: ` : ''
      throw new Error(`client ${i + 1}${id}: ${issue.message.includes(':') ? issue.message : where + issue.message}`)
    }
    if (seen.has(r.data.client_id)) throw new Error(`client ${i + 1}${id}: client_id is listed twice`)
    seen.add(r.data.client_id)
    return r.data
  })
}

/** The clients from the variable or the file (never both); [] when neither is set. */
export function loadOidcClients(o: { clients?: string; clientsFile?: string }): OidcClient[] {
  if (o.clients && o.clientsFile) throw new Error('invalid configuration IDP_OIDC_CLIENTS_FILE: set IDP_OIDC_CLIENTS or IDP_OIDC_CLIENTS_FILE, not both')
  if (o.clientsFile) {
    let text: string
    try {
      text = readFileSync(o.clientsFile, 'utf8')
    } catch (e) {
      throw new Error(`invalid configuration IDP_OIDC_CLIENTS_FILE: cannot read ${o.clientsFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    try {
      return parseOidcClients(text)
    } catch (e) {
      throw new Error(`invalid configuration IDP_OIDC_CLIENTS_FILE (${o.clientsFile}): ${(e as Error).message}`)
    }
  }
  return o.clients ? parseOidcClients(o.clients) : []
}

export type SigningJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' }
const ALGS: Record<string, string> = { RSA: 'RS256', EC: 'ES256' }

/**
 * A private JWK set whose FIRST key signs and whose others still verify (published in the JWKS
 * until removed): rotation is "prepend a new key, later drop the old one". RSA (RS256, ≥ 2048
 * bits) or EC P-256 (ES256); each needs a unique kid. Throws naming the key.
 */
export function parseSigningKeys(json: string): SigningJwk[] {
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    throw new Error('expected a JSON Web Key Set ({"keys": [...]}) of private keys, got text that is not JSON')
  }
  const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { keys?: unknown }).keys) ? (v as { keys: unknown[] }).keys : undefined
  if (!list || list.length === 0) throw new Error('expected a JSON Web Key Set ({"keys": [...]}) with at least one private key')
  const kids = new Set<string>()
  return list.map((k, i) => {
    const jwk = k as JsonWebKey & { kid?: unknown; alg?: unknown; use?: unknown }
    const name = typeof jwk?.kid === 'string' ? `key ${i + 1} (${jwk.kid.slice(0, 40)})` : `key ${i + 1}`
    if (!jwk || typeof jwk !== 'object') throw new Error(`${name}: expected a JSON Web Key object`)
    if (jwk.kty !== 'RSA' && !(jwk.kty === 'EC' && jwk.crv === 'P-256')) throw new Error(`${name}: expected kty RSA or EC with crv P-256, got ${String(jwk.kty).slice(0, 10)}`)
    if (typeof jwk.kid !== 'string' || !/^[\w.-]{1,64}$/.test(jwk.kid)) throw new Error(`${name}: expected a kid of 1-64 letters, digits, ".", "_" or "-"`)
    if (kids.has(jwk.kid)) throw new Error(`${name}: the kid is used twice`)
    kids.add(jwk.kid)
    if (typeof jwk.d !== 'string') throw new Error(`${name}: this is a public key; the provider signs, so it needs the private key (with "d")`)
    const alg = ALGS[jwk.kty]
    if (jwk.alg !== undefined && jwk.alg !== alg) throw new Error(`${name}: alg must be ${alg} for a ${jwk.kty} key, got ${String(jwk.alg).slice(0, 10)}`)
    if (jwk.use !== undefined && jwk.use !== 'sig') throw new Error(`${name}: use must be "sig"`)
    let key
    try {
      key = createPrivateKey({ key: jwk, format: 'jwk' })
    } catch (e) {
      throw new Error(`${name}: not a valid private key: ${(e as Error).message}`)
    }
    if (jwk.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error(`${name}: an RSA key needs at least 2048 bits`)
    return { ...jwk, kid: jwk.kid, alg, use: 'sig' as const }
  })
}

/** A new RS256 signing key (what dev mode writes, and what an operator prepends to rotate). */
export function newSigningKey(kid = `sig-${randomBytes(6).toString('hex')}`): SigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
}

/** Where dev mode keeps the provider's signing keys: beside the IdP's dev key file (`.data/keys/idp.json` → `.data/keys/idp-oidc.json`). */
export const devSigningKeyFile = (idpKeyFile: string) => idpKeyFile.replace(/\.json$/, '') + '-oidc.json'

export type SigningKeySource = 'environment' | 'file' | 'dev-file' | 'generated' | 'ephemeral'

/**
 * The signing keys, in order: IDP_OIDC_SIGNING_KEYS; IDP_OIDC_SIGNING_KEYS_FILE; throwaway keys
 * for a memory:// store; with dev keys a generated file beside the IdP's dev keys. Undefined when
 * none applies (the provider is then off).
 */
export function loadSigningKeys(o: { keys?: string; keysFile?: string; devKeys: boolean; devFile: string; memory: boolean }): { keys: SigningJwk[]; source: SigningKeySource; file?: string } | undefined {
  if (o.keys && o.keysFile) throw new Error('invalid configuration IDP_OIDC_SIGNING_KEYS_FILE: set IDP_OIDC_SIGNING_KEYS or IDP_OIDC_SIGNING_KEYS_FILE, not both')
  const parse = (text: string, variable: string) => {
    try {
      return parseSigningKeys(text)
    } catch (e) {
      throw new Error(`invalid configuration ${variable}: ${(e as Error).message}`)
    }
  }
  if (o.keys) return { keys: parse(o.keys, 'IDP_OIDC_SIGNING_KEYS'), source: 'environment' }
  if (o.keysFile) {
    if (!existsSync(o.keysFile)) throw new Error(`invalid configuration IDP_OIDC_SIGNING_KEYS_FILE: ${o.keysFile} does not exist`)
    return { keys: parse(readFileSync(o.keysFile, 'utf8'), `IDP_OIDC_SIGNING_KEYS_FILE (${o.keysFile})`), source: 'file', file: o.keysFile }
  }
  // A memory:// store's keys are throwaway like its data (and nothing is written beside "memory://").
  if (o.memory) return { keys: [newSigningKey()], source: 'ephemeral' }
  if (o.devKeys) {
    let source: SigningKeySource = 'dev-file'
    if (!existsSync(o.devFile)) {
      mkdirSync(dirname(o.devFile), { recursive: true, mode: 0o700 })
      writeFileSync(o.devFile, JSON.stringify({ keys: [newSigningKey()] }), { mode: 0o600, flag: 'wx' })
      chmodSync(o.devFile, 0o600)
      source = 'generated'
    }
    return { keys: parse(readFileSync(o.devFile, 'utf8'), o.devFile), source, file: o.devFile }
  }
  return undefined
}
