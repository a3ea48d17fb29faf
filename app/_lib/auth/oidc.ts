import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as client from 'openid-client'
import type { AuthConfig } from '../env'
import { LOOPBACK } from '../env'
import { decideSignIn, type SignInDecision } from './decide'
import { EMPTY_ROLE_MAP, parseRoleMap, type RoleMap } from './roles'
import { deriveKey, FLOW_MAX_AGE_S, seal, unseal } from './session'
import { internalOriginFetch } from './internal-fetch'

/**
 * The console as an OpenID Connect relying party (openid-client v6): authorization code flow
 * with PKCE, state and nonce, against the issuer's discovery document. Node only.
 */
type OidcConfig = Extract<AuthConfig, { mode: 'oidc' }>

const discovered = new Map<string, Promise<client.Configuration>>()

/** The provider's configuration (discovery), fetched once per issuer + client; a failure is retried next time. */
export function providerConfiguration(cfg: OidcConfig, fetchImpl?: typeof fetch): Promise<client.Configuration> {
  const key = `${cfg.issuer}\u0000${cfg.clientId}\u0000${cfg.tokenAuthMethod}\u0000${cfg.issuerInternalUrl ?? ''}`
  let p = discovered.get(key)
  if (!p) {
    const issuer = new URL(cfg.issuer)
    // Plain http only for a provider on this machine (the reference IdP in development).
    const insecure = issuer.protocol === 'http:'
    if (insecure && !LOOPBACK(issuer.hostname)) {
      return Promise.reject(new Error(`OIDC_ISSUER ${cfg.issuer} uses http on a non-loopback host: an identity provider must be reached over https`))
    }
    const auth = cfg.tokenAuthMethod === 'client_secret_post' ? client.ClientSecretPost(cfg.clientSecret) : client.ClientSecretBasic(cfg.clientSecret)
    const execute: ((c: client.Configuration) => void)[] = []
    if (insecure) execute.push(client.allowInsecureRequests)
    // OIDC_ISSUER_INTERNAL_URL: server-to-server calls (discovery too, hence the option, not `execute`) go to that origin.
    const viaFetch = cfg.issuerInternalUrl ? internalOriginFetch(cfg.issuer, cfg.issuerInternalUrl, fetchImpl) : (fetchImpl as client.CustomFetch | undefined)
    p = client.discovery(issuer, cfg.clientId, { redirect_uris: [redirectUri(cfg)], response_types: ['code'] }, auth, { execute, timeout: 10, ...(viaFetch ? { [client.customFetch]: viaFetch } : {}) })
    p.catch(() => discovered.delete(key))
    discovered.set(key, p)
  }
  return p
}

export const redirectUri = (cfg: OidcConfig) => `${cfg.publicUrl}/auth/callback`
export const signedOutUri = (cfg: OidcConfig) => `${cfg.publicUrl}/auth/signed-out`

interface Flow {
  state: string
  nonce: string
  verifier: string
  returnTo: string
  reauth: boolean
}

/** The provider's authorization URL and the sealed flow cookie value that /auth/callback checks against. */
export async function beginSignIn(cfg: OidcConfig, conf: client.Configuration, opts: { returnTo: string; reauth: boolean }, nowS: number): Promise<{ url: URL; flow: string }> {
  const verifier = client.randomPKCECodeVerifier()
  const flow: Flow = { state: client.randomState(), nonce: client.randomNonce(), verifier, returnTo: opts.returnTo, reauth: opts.reauth }
  const params: Record<string, string> = {
    redirect_uri: redirectUri(cfg),
    scope: cfg.scopes,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }
  if (cfg.acrValues) params.acr_values = cfg.acrValues
  if (opts.reauth) {
    // A dangerous action wants a fresh second factor: the provider must authenticate again.
    params.prompt = 'login'
    params.max_age = '0'
  }
  const sealed = await seal({ ...flow }, cfg.sessionSecret, 'oidc-flow', nowS, FLOW_MAX_AGE_S)
  return { url: client.buildAuthorizationUrl(conf, params), flow: sealed }
}

export type CallbackResult =
  | { kind: 'decided'; decision: SignInDecision; idToken: string; returnTo: string; user: string }
  | { kind: 'bad_flow'; message: string }

/** The user as an HMAC hash of issuer + subject: never stored or logged raw. */
export async function userHash(secret: string, issuer: string, sub: string): Promise<string> {
  const key = await deriveKey(secret, 'user-hash')
  return createHmac('sha256', key).update(`${issuer}\n${sub}`).digest('hex').slice(0, 32)
}

const roleMaps = new Map<string, RoleMap>()

/** The mapping file, read and validated once; throws an Error naming the file and key. */
export function loadRoleMap(file: string | undefined, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): RoleMap {
  if (!file) return EMPTY_ROLE_MAP
  let map = roleMaps.get(file)
  if (!map) {
    let text: string
    try {
      text = read(file)
    } catch (err) {
      throw new Error(`FACTORWATCH_ROLE_MAP ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
    map = parseRoleMap(text, file)
    roleMaps.set(file, map)
  }
  return map
}

/**
 * Exchange the code (state, nonce and PKCE checked by openid-client; max_age when re-authenticating),
 * then decide whether the ID token may open a session.
 */
export async function completeSignIn(cfg: OidcConfig, conf: client.Configuration, currentUrl: URL, flowCookie: string | undefined, roleMap: RoleMap, nowS: number): Promise<CallbackResult> {
  const p = await unseal(flowCookie, cfg.sessionSecret, 'oidc-flow', nowS)
  if (!p || typeof p.state !== 'string' || typeof p.nonce !== 'string' || typeof p.verifier !== 'string') {
    return { kind: 'bad_flow', message: 'This sign-in has expired or was started in another browser. Start again from the console.' }
  }
  const flow = p as unknown as Flow
  const tokens = await client.authorizationCodeGrant(conf, currentUrl, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    ...(flow.reauth ? { maxAge: 0 } : {}),
    idTokenExpected: true,
  })
  const claims = tokens.claims()
  if (!claims || !tokens.id_token) return { kind: 'bad_flow', message: 'The identity provider answered without an ID token.' }
  const hash = await userHash(cfg.sessionSecret, String(claims.iss), String(claims.sub))
  const decision = decideSignIn(claims as Record<string, unknown>, hash, { acceptedAcr: cfg.acceptedAcr, rolesClaim: cfg.rolesClaim, roleMap, sessionMaxAgeS: cfg.sessionMaxAgeS }, nowS)
  return { kind: 'decided', decision, idToken: tokens.id_token, returnTo: typeof flow.returnTo === 'string' ? flow.returnTo : '/', user: hash }
}
