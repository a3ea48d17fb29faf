import type { IncomingMessage, ServerResponse } from 'node:http'
import Provider, { type Account, type ErrorOut, type KoaContextWithOIDC } from 'oidc-provider'
import { ACR_MFA, ACR_PHISHING_RESISTANT, ACR_PHISHING_RESISTANT_HARDWARE, DEFAULT_ROLES_CLAIM } from '../../contract/access'
import { esc } from '../http/io'
import { page } from '../pages/layout'
import type { Db } from '../store/db'
import type { Repo } from '../store/repo'
import { dbAdapterFactory } from './adapter'
import type { OidcStore } from './store'
import type { OidcClient, SigningJwk } from './settings'

/** Where the provider is mounted on the IdP's server: the issuer is `<public URL>/oidc`. */
export const OIDC_PREFIX = '/oidc'

export interface OidcProviderDeps {
  /** The IdP's public URL (no trailing slash). */
  publicUrl: string
  db: Db
  repo: Pick<Repo, 'userById'>
  store: OidcStore
  clients: readonly OidcClient[]
  signingKeys: readonly SigningJwk[]
  /** Keys of the provider's signed cookies (derived from the IdP's secret). */
  cookieKeys: string[]
  now: () => Date
  /** Seconds a provider session (and its grants) lives: the IdP's session lifetime. */
  sessionTtlSeconds: number
  /** Revoke the IdP session of the browser behind this request (RP-initiated logout ends both). */
  endIdpSession(req: IncomingMessage): Promise<string | undefined>
  log(line: string): void
}

const html = (ctx: KoaContextWithOIDC, status: number, body: string) => {
  ctx.status = status
  ctx.type = 'html'
  // No form-action here: the logout form's answer redirects to the client's post-logout URL.
  ctx.set('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
  ctx.set('cache-control', 'no-store')
  ctx.body = body
}

/**
 * The IdP's OpenID Connect provider (oidc-provider): authorization code flow with PKCE required
 * of every client, discovery, JWKS, userinfo, RP-initiated logout; state in the IdP store; clients
 * from configuration (first-party: their scopes are granted without a consent page); sign-in by
 * the IdP's own pages (interaction.ts).
 */
export function createOidcProvider(d: OidcProviderDeps): Provider {
  const issuer = `${d.publicUrl}${OIDC_PREFIX}`
  const ttl = d.sessionTtlSeconds
  const provider = new Provider(issuer, {
    adapter: dbAdapterFactory(d.db, d.now),
    clients: d.clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret ? { client_secret: c.client_secret, token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_post' } : { token_endpoint_auth_method: 'none' }),
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(c.client_name ? { client_name: c.client_name } : {}),
    })),
    clientDefaults: { id_token_signed_response_alg: d.signingKeys[0].alg, grant_types: ['authorization_code'], response_types: ['code'] },
    jwks: { keys: d.signingKeys },
    cookies: { keys: d.cookieKeys, names: { session: 'fw_oidc_session', interaction: 'fw_oidc_interaction', resume: 'fw_oidc_resume' } },
    pkce: { required: () => true },
    responseTypes: ['code'],
    acrValues: [ACR_PHISHING_RESISTANT_HARDWARE, ACR_PHISHING_RESISTANT, ACR_MFA],
    // With scope openid the ID token always carries how (amr, acr) and when (auth_time) the user signed in, and
    // the roles claim (conformIdTokenClaims off: scope claims go in the ID token too, not only in userinfo).
    claims: { acr: null, amr: null, auth_time: null, sid: null, iss: null, openid: ['sub', 'acr', 'amr', 'auth_time', DEFAULT_ROLES_CLAIM], email: ['email', 'email_verified'], factorwatch: [DEFAULT_ROLES_CLAIM] },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => html(ctx, 200, page('Sign out', `${form}
<p>Sign out of FactorWatch${ctx.oidc.client ? ` and ${esc(ctx.oidc.client.clientName ?? ctx.oidc.client.clientId)}` : ''} in this browser?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>`)),
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => html(ctx, 200, page('Signed out', '<p>You are signed out.</p><p><a href="/login">Sign in again</a></p>')),
      },
    },
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
      const user = await d.repo.userById(sub)
      if (!user) return undefined
      return {
        accountId: sub,
        claims: async () => ({ sub, email: user.email, email_verified: true, [DEFAULT_ROLES_CLAIM]: await d.store.roles(sub) }),
      }
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // Clients from configuration are first-party: what they ask for (of what the provider knows) is granted, no consent page.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId
      const clientId = ctx.oidc.client?.clientId
      if (!accountId || !clientId) return undefined
      const existing = ctx.oidc.session?.grantIdFor(clientId)
      const grant = (existing && (await ctx.oidc.provider.Grant.find(existing))) || new ctx.oidc.provider.Grant({ accountId, clientId })
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '))
      if (ctx.oidc.requestParamClaims.size) grant.addOIDCClaims([...ctx.oidc.requestParamClaims])
      await grant.save()
      return grant
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, RefreshToken: ttl, Session: ttl, Grant: ttl },
    renderError: async (ctx: KoaContextWithOIDC, out: ErrorOut) => html(ctx, ctx.status >= 400 ? ctx.status : 400, page('Sign-in failed', '<p>Go back to the application and try again.</p>', `${out.error}${out.error_description ? `: ${out.error_description}` : ''}`)),
  })
  // A TLS-terminating proxy in front of an https public URL tells the scheme in X-Forwarded-Proto.
  provider.proxy = d.publicUrl.startsWith('https:')
  // RP-initiated logout signs the browser out of the IdP too (else the next sign-in would finish silently).
  provider.use(async (ctx, next) => {
    await next()
    if (ctx.oidc?.route !== 'end_session_confirm' || ctx.status < 300 || ctx.status >= 400 || !ctx.oidc.params?.logout) return
    // When another account signs in over a provider session, the provider ends the old one and
    // resumes the authorization: the IdP session is the new account's and stays.
    const to = String(ctx.res.getHeader('location') ?? '')
    if (!to.startsWith(`${issuer}/auth/`)) {
      const clear = await d.endIdpSession(ctx.req)
      if (clear) ctx.append('set-cookie', clear)
    }
  })
  provider.on('server_error', (_ctx, err) => d.log(`oidc: server error: ${err instanceof Error ? err.message : String(err)}`))
  return provider
}

/** The node handler for paths under /oidc: the provider sees them with the prefix stripped (as when mounted under Express). */
export function oidcHandler(provider: Provider): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const callback = provider.callback()
  return (req, res) => new Promise<void>((resolve) => {
    const original = req.url ?? '/'
    ;(req as IncomingMessage & { originalUrl?: string }).originalUrl = original
    req.url = original.slice(OIDC_PREFIX.length) || '/'
    res.on('close', resolve)
    res.on('finish', resolve)
    callback(req, res)
  })
}
