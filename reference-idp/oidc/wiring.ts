import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { IdpConfig } from '../config'
import { cookie, parseCookies } from '../http/io'
import { devKeyFile, type IdpKeys } from '../keys'
import type { Audit } from '../login/audit'
import { SESSION_COOKIE, type Sessions } from '../login/sessions'
import type { Db } from '../store/db'
import type { Repo } from '../store/repo'
import { createOidcAccounts } from './accounts'
import { resumeAfterSignIn } from './interaction'
import { createOidcProvider, OIDC_PREFIX, oidcHandler } from './provider'
import type { OidcRouteServices } from './routes'
import { devSigningKeyFile, loadOidcClients, loadSigningKeys, type OidcClient, type SigningJwk } from './settings'
import { createOidcStore } from './store'

export interface OidcSettings { clients: OidcClient[]; signingKeys?: SigningJwk[] }

/**
 * The provider's configuration, read before the store opens (like the IdP's keys): clients and
 * signing keys, or an error of one line naming the variable. No signing keys: the provider is off
 * (and configured clients are an error).
 */
export function oidcSettings(config: IdpConfig, log: (line: string) => void): OidcSettings {
  const clients = loadOidcClients({ clients: config.oidcClients, clientsFile: config.oidcClientsFile })
  const devFile = devSigningKeyFile(config.keyFile ?? devKeyFile(config.dataDir))
  const signing = loadSigningKeys({ keys: config.oidcSigningKeys, keysFile: config.oidcSigningKeysFile, devKeys: config.devKeys === 'on', devFile, memory: config.dataDir === 'memory://' })
  if (!signing) {
    if (clients.length) throw new Error('invalid configuration IDP_OIDC_CLIENTS: clients are configured but the provider has no signing keys: set IDP_OIDC_SIGNING_KEYS or IDP_OIDC_SIGNING_KEYS_FILE (IDP_DEV_KEYS=on generates development keys)')
    log('oidc: off (no IDP_OIDC_SIGNING_KEYS)')
    return { clients }
  }
  if (signing.source === 'generated') log(`oidc: DEVELOPMENT signing key generated in ${signing.file} (mode 0600); set IDP_OIDC_SIGNING_KEYS or IDP_OIDC_SIGNING_KEYS_FILE in production`)
  if (signing.source === 'dev-file') log(`oidc: DEVELOPMENT signing keys from ${signing.file}`)
  return { clients, signingKeys: signing.keys }
}

/**
 * The provider's parts for the composition root: what the route files need (interactions,
 * roles, provisioning) now, and the provider itself once the public URL is known (`start`).
 */
export function createOidc(s: OidcSettings, d: { db: Db; repo: Repo; keys: IdpKeys; audit: Audit; sessions: Pick<Sessions, 'revoke'>; hashNewPassword(email: string, password: string): Promise<string>; now: () => Date; secure: () => boolean; sessionTtlSeconds: number; log(line: string): void }) {
  const store = createOidcStore(d.db)
  let provider: Provider | undefined
  let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined
  const routes: OidcRouteServices = {
    accounts: s.signingKeys ? createOidcAccounts({ repo: d.repo, store, keys: d.keys, audit: d.audit, hashNewPassword: d.hashNewPassword, now: d.now }) : undefined,
    interactions: { provider: () => provider, store, now: d.now, secure: d.secure },
  }
  return {
    routes,
    /** Build the provider at `<publicUrl>/oidc`. */
    start(publicUrl: string): void {
      if (!s.signingKeys) return
      provider = createOidcProvider({
        publicUrl, db: d.db, repo: d.repo, store, clients: s.clients, signingKeys: s.signingKeys,
        // Cookie keys from the IdP's secret: stable across restarts, never stored.
        cookieKeys: [d.keys.mac('oidc-cookie-key', 'v1')],
        now: d.now, sessionTtlSeconds: d.sessionTtlSeconds, log: d.log,
        endIdpSession: async (req) => {
          const token = parseCookies(req.headers.cookie, d.secure())[SESSION_COOKIE]
          if (!token) return undefined
          await d.sessions.revoke(token)
          return cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: d.secure() })
        },
      })
      handle = oidcHandler(provider)
      d.log(`oidc: issuer ${publicUrl}${OIDC_PREFIX}, ${s.clients.length} client(s) (${s.clients.map((c) => c.client_id).join(', ') || 'none'}), signing key ${s.signingKeys[0].kid}${s.signingKeys.length > 1 ? ` (+${s.signingKeys.length - 1} verifying)` : ''}`)
    },
    /** In front of the IdP's router: paths under /oidc go to the provider; a browser back from signing in for an interaction resumes it. True when answered. */
    async serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      if (!handle) return false
      const path = req.url ?? '/'
      if (path === OIDC_PREFIX || path.startsWith(`${OIDC_PREFIX}/`) || path.startsWith(`${OIDC_PREFIX}?`)) {
        await handle(req, res)
        return true
      }
      return resumeAfterSignIn(req, res, d.secure())
    },
  }
}
