import { z } from 'zod'

/** Console server environment, read and validated once per process (at first request, not at build). */
const ConsoleEnv = z.object({
  COLLECTOR_QUERY_URL: z
    .string()
    .url('expected an http(s) URL such as http://127.0.0.1:4320')
    .refine((u) => /^https?:\/\//.test(u), 'expected an http(s) URL')
    .default('http://127.0.0.1:4320')
    .transform((u) => u.replace(/\/+$/, '')),
  /** The sub-processor registry, relative to the working directory of `next start`. */
  SUBPROCESSOR_REGISTRY: z.string().min(1).default('dashboards/subprocessors.yaml'),
  /** The reference IdP, for links to its admin page from the Security page; unset: no links. */
  IDP_URL: z.string().url('expected an http(s) URL such as http://127.0.0.1:8080').optional().transform((u) => u?.replace(/\/+$/, '')),
})
export type ConsoleEnv = z.infer<typeof ConsoleEnv>

let cached: ConsoleEnv | undefined

export function consoleEnv(env: NodeJS.ProcessEnv = process.env): ConsoleEnv {
  if (cached && env === process.env) return cached
  const raw = { COLLECTOR_QUERY_URL: env.COLLECTOR_QUERY_URL || undefined, SUBPROCESSOR_REGISTRY: env.SUBPROCESSOR_REGISTRY || undefined, IDP_URL: env.IDP_URL || undefined }
  const parsed = ConsoleEnv.safeParse(raw)
  if (!parsed.success) {
    const key = String(parsed.error.issues[0].path[0]) as keyof typeof raw
    throw new Error(`invalid configuration ${key}: ${parsed.error.issues[0].message}, got "${env[key]}"`)
  }
  if (env === process.env) cached = parsed.data
  return parsed.data
}

/**
 * Console sign-in (issue "access"). Edge-safe (zod only): the middleware reads it too.
 * `local` runs without sign-in as admin and is possible only on a loopback bind; `oidc` signs
 * in through any OpenID Connect provider (the reference IdP's `<IDP_URL>/oidc` by default).
 */
export type AuthConfig =
  | { mode: 'local'; bindHost: string; collectorToken?: string }
  | {
      mode: 'oidc'
      issuer: string
      /** OIDC_ISSUER_INTERNAL_URL: the origin the console's own calls to the issuer go to (a container network's address); unset: the issuer's. */
      issuerInternalUrl?: string
      clientId: string
      clientSecret: string
      tokenAuthMethod: 'client_secret_basic' | 'client_secret_post'
      /** Where the console is reached, without a trailing slash: redirect URIs and cookie security come from it. */
      publicUrl: string
      /** https: cookies are Secure and carry the __Host- prefix. */
      secure: boolean
      scopes: string
      acceptedAcr?: string[]
      acrValues?: string
      rolesClaim: string
      roleMapFile?: string
      sessionSecret: string
      sessionMaxAgeS: number
      reauthMaxAgeS: number
      collectorToken?: string
    }

export const LOOPBACK = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)
}

/**
 * The address `next start -H` bound: CONSOLE_HOST (npm start sets it), else the host of the
 * origin Next.js records when it was given an IP literal with -H (it records `localhost` when
 * -H was omitted, which binds every interface: that is not taken as loopback).
 */
export function bindHostOf(env: Record<string, string | undefined>): string | undefined {
  if (env.CONSOLE_HOST) return env.CONSOLE_HOST
  const origin = env.__NEXT_PRIVATE_ORIGIN
  if (!origin) return undefined
  try {
    const host = new URL(origin).hostname.replace(/^\[|\]$/g, '')
    return host === 'localhost' ? undefined : host
  } catch {
    return undefined
  }
}

const positiveInt = (name: string, raw: string | undefined, fallback: number, min: number): number => {
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`invalid configuration ${name}: expected a whole number of seconds ≥ ${min}, got "${raw.slice(0, 40)}"`)
  return Number(raw)
}

const httpUrl = (name: string, raw: string, example: string): string => {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new Error(`invalid configuration ${name}: expected an http(s) URL such as ${example}, got "${raw.slice(0, 80)}"`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`invalid configuration ${name}: expected an http(s) URL such as ${example}, got "${raw.slice(0, 80)}"`)
  return raw.replace(/\/+$/, '')
}

/** Parse the sign-in settings; throws an Error naming the variable when one is wrong or missing. */
export function parseAuthConfig(env: Record<string, string | undefined>): AuthConfig {
  const requested = env.FACTORWATCH_AUTH || (env.OIDC_ISSUER ? 'oidc' : 'local')
  const collectorToken = env.COLLECTOR_API_TOKEN || undefined
  if (requested === 'local') {
    const bindHost = bindHostOf(env)
    if (!bindHost || !LOOPBACK(bindHost)) {
      throw new Error(
        `FACTORWATCH_AUTH=local (no sign-in, everyone is admin) is only allowed when the console binds a loopback address, but it binds ${bindHost ? `"${bindHost}"` : 'every interface (no -H)'}. ` +
          'Either start it with `next start -H 127.0.0.1` and CONSOLE_HOST=127.0.0.1, or configure sign-in: OIDC_ISSUER (or FACTORWATCH_AUTH=oidc with IDP_URL), OIDC_CLIENT_SECRET, CONSOLE_PUBLIC_URL and FACTORWATCH_SESSION_SECRET.',
      )
    }
    return { mode: 'local', bindHost, collectorToken }
  }
  if (requested !== 'oidc') throw new Error(`invalid configuration FACTORWATCH_AUTH: expected oidc or local, got "${requested.slice(0, 20)}"`)
  const idp = env.IDP_URL ? env.IDP_URL.replace(/\/+$/, '') : undefined
  const issuerRaw = env.OIDC_ISSUER || (idp ? `${idp}/oidc` : '')
  if (!issuerRaw) throw new Error('invalid configuration OIDC_ISSUER: sign-in needs the OpenID Connect issuer URL (or IDP_URL for the reference IdP, whose issuer is <IDP_URL>/oidc)')
  const issuer = httpUrl('OIDC_ISSUER', issuerRaw, 'https://login.example.com/oauth2/default')
  const clientSecret = env.OIDC_CLIENT_SECRET ?? ''
  if (!clientSecret) throw new Error('invalid configuration OIDC_CLIENT_SECRET: the console is a confidential client; set the secret registered for it at the provider')
  if (!env.CONSOLE_PUBLIC_URL) throw new Error('invalid configuration CONSOLE_PUBLIC_URL: the URL users reach the console at (its redirect URI is <CONSOLE_PUBLIC_URL>/auth/callback)')
  const publicUrl = httpUrl('CONSOLE_PUBLIC_URL', env.CONSOLE_PUBLIC_URL, 'https://factorwatch.example.com')
  const sessionSecret = env.FACTORWATCH_SESSION_SECRET ?? ''
  if (new TextEncoder().encode(sessionSecret).length < 32) throw new Error(`invalid configuration FACTORWATCH_SESSION_SECRET: expected at least 32 bytes of random text (e.g. openssl rand -base64 48), got ${sessionSecret ? 'a shorter one' : 'none'}`)
  const method = env.OIDC_TOKEN_AUTH_METHOD || 'client_secret_post'
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') throw new Error(`invalid configuration OIDC_TOKEN_AUTH_METHOD: expected client_secret_basic or client_secret_post, got "${method.slice(0, 40)}"`)
  const rolesClaim = env.FACTORWATCH_ROLES_CLAIM || 'factorwatch_roles'
  if (!/^[\w.:/-]{1,100}$/.test(rolesClaim)) throw new Error(`invalid configuration FACTORWATCH_ROLES_CLAIM: expected a claim name, got "${rolesClaim.slice(0, 40)}"`)
  const acr = env.OIDC_ACCEPTED_ACR ? env.OIDC_ACCEPTED_ACR.split(',').map((s) => s.trim()).filter(Boolean) : undefined
  const scopes = (env.OIDC_SCOPES || 'openid profile').trim()
  if (!scopes.split(/\s+/).includes('openid')) throw new Error(`invalid configuration OIDC_SCOPES: must include openid, got "${scopes.slice(0, 80)}"`)
  const issuerInternalUrl = env.OIDC_ISSUER_INTERNAL_URL ? httpUrl('OIDC_ISSUER_INTERNAL_URL', env.OIDC_ISSUER_INTERNAL_URL, 'http://reference-idp:8080') : undefined
  return {
    mode: 'oidc',
    issuer,
    issuerInternalUrl,
    clientId: env.OIDC_CLIENT_ID || 'factorwatch-console',
    clientSecret,
    tokenAuthMethod: method,
    publicUrl,
    secure: publicUrl.startsWith('https:'),
    scopes,
    acceptedAcr: acr && acr.length > 0 ? acr : undefined,
    acrValues: env.OIDC_ACR_VALUES || undefined,
    rolesClaim,
    roleMapFile: env.FACTORWATCH_ROLE_MAP || undefined,
    sessionSecret,
    sessionMaxAgeS: positiveInt('FACTORWATCH_SESSION_MAX_AGE_S', env.FACTORWATCH_SESSION_MAX_AGE_S, 8 * 3600, 60),
    reauthMaxAgeS: positiveInt('FACTORWATCH_REAUTH_MAX_AGE_S', env.FACTORWATCH_REAUTH_MAX_AGE_S, 900, 0),
    collectorToken,
  }
}

let authCached: AuthConfig | undefined

/** The process's sign-in settings, parsed once (tests pass their own env and get no caching). */
export function authConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  if (env !== process.env) return parseAuthConfig(env)
  return (authCached ??= parseAuthConfig(env))
}
