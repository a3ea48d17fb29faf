/**
 * The composition point of docker-compose.yml's demo, as `npm start` (scripts/start.ts) is of the
 * local one: `tsx scripts/compose-service.ts collector|idp|console|traffic` starts that process
 * with the settings the demo hands it. Two files on the `demo-keys` volume, each created once by
 * whichever service starts first (atomic create, mode 0600), tie the services together:
 *  - a service key pair: the IdP gets the public half, the traffic generator the private one (to
 *    provision its admin and workforce users and the demo accounts);
 *  - the access file: the console's and an admin's collector API token, the IdP's ingest token,
 *    the console's OIDC client secret and its session secret.
 * The console signs in through the IdP's OpenID Connect provider (it binds 0.0.0.0, so local mode
 * is refused): browsers reach the IdP at IDP_PUBLIC_URL (http://localhost:8080), the console's own
 * calls go to IDP_URL on the compose network (OIDC_ISSUER_INTERNAL_URL). Variables already set in
 * the environment win, so a real deployment sets its own. Nothing here logs a secret.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { ROLES } from '../contract/access'
import { newServiceKeyPair } from '../reference-idp/service-auth/assertion'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { DEMO_ACCOUNTS_FILE, provisionDemoAccounts } from './demo-accounts'
import { COLLECTOR_UV_THREADPOOL_SIZE } from '../collector/threadpool'

const root = new URL('..', import.meta.url).pathname

type KeyPair = ReturnType<typeof newServiceKeyPair>
/** The environment as read here (a plain record: tests pass their own). */
type Env = Record<string, string | undefined>
/** The demo's shared secrets (base64url, 32 random bytes each). */
export interface DemoAccess { console_api_token: string; admin_api_token: string; ingest_token: string; oidc_client_secret: string; session_secret: string }
export interface DemoFiles { keyFile: string; accessFile: string }

export const demoFiles = (env: Env): DemoFiles => ({
  keyFile: env.DEMO_SERVICE_KEY_FILE || join(root, '.data/demo/service-key.json'),
  accessFile: env.DEMO_ACCESS_FILE || join(root, '.data/demo/access.json'),
})

/** Create the file once; whoever starts first writes it, the others read the same file. */
function sharedFile<T>(file: string, make: () => T): T {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}`
    writeFileSync(tmp, JSON.stringify(make()), { mode: 0o600 })
    try {
      linkSync(tmp, file) // atomic: fails if another service created it first
    } catch {
      /* another service won; use its file */
    }
    unlinkSync(tmp)
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

const secret = () => randomBytes(32).toString('base64url')
const set = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v)
const trim = (u: string) => u.replace(/\/+$/, '')
const rel = (file: string) => (file.startsWith(root) ? file.slice(root.length) : file)

export interface Launch {
  /** Arguments to `node`. */
  entry: string[]
  /** The settings the demo hands the process (the environment's own values win: childEnv). */
  extra: Record<string, string>
  /** Run before the process starts (the traffic role provisions the demo accounts). */
  before?: (log: (line: string) => void) => Promise<void>
}

/** What `compose-service.ts <name>` starts, with which settings; throws for an unknown name. */
export function launchFor(name: string | undefined, env: Env, files: DemoFiles = demoFiles(env)): Launch {
  const sharedKeyPair = (): KeyPair => sharedFile(files.keyFile, () => newServiceKeyPair(`compose-${Date.now().toString(36)}`))
  const sharedAccess = (): DemoAccess => sharedFile(files.accessFile, () => ({ console_api_token: secret(), admin_api_token: secret(), ingest_token: secret(), oidc_client_secret: secret(), session_secret: secret() }))
  const tsx = (file: string, ...args: string[]) => ['--import', 'tsx', join(root, file), ...args]
  const idpPublicUrl = trim(set(env.IDP_PUBLIC_URL) ?? 'http://localhost:8080')
  const consolePublicUrl = trim(set(env.CONSOLE_PUBLIC_URL) ?? 'http://localhost:3000')
  const simulatorUrl = set(env.SIMULATOR_URL) ?? 'http://simulator:8090'

  if (name === 'collector') {
    const a = sharedAccess()
    return {
      entry: tsx('collector/main.ts'),
      extra: { UV_THREADPOOL_SIZE: COLLECTOR_UV_THREADPOOL_SIZE, COLLECTOR_API_TOKENS: `console:${a.console_api_token},admin:${a.admin_api_token}`, COLLECTOR_INGEST_TOKENS: `demo:${a.ingest_token}` },
      before: async (log) => log(`the demo's collector tokens are in ${rel(files.accessFile)} (admin_api_token: for curl and Prometheus)`),
    }
  }
  if (name === 'idp') {
    const keys = sharedKeyPair()
    const a = sharedAccess()
    return {
      entry: tsx('reference-idp/main.ts'),
      extra: {
        IDP_SERVICE_KEYS: JSON.stringify({ keys: [keys.publicJwk] }),
        ...simulatorIdpEnv(simulatorUrl),
        IDP_OIDC_CLIENTS: JSON.stringify([{ client_id: 'factorwatch-console', client_secret: a.oidc_client_secret, redirect_uris: [`${consolePublicUrl}/auth/callback`], post_logout_redirect_uris: [`${consolePublicUrl}/auth/signed-out`] }]),
        // The IdP's producer token for the collector's OTLP receiver (OTel's header syntax: percent-encoded value).
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${a.ingest_token}`,
      },
    }
  }
  if (name === 'console') {
    const a = sharedAccess()
    return {
      entry: [join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', set(env.CONSOLE_PORT) ?? '3000', '-H', '0.0.0.0'],
      extra: {
        CONSOLE_HOST: '0.0.0.0', COLLECTOR_API_TOKEN: a.console_api_token,
        FACTORWATCH_AUTH: 'oidc', OIDC_ISSUER: `${idpPublicUrl}/oidc`, OIDC_CLIENT_ID: 'factorwatch-console', OIDC_CLIENT_SECRET: a.oidc_client_secret,
        // The console container reaches the IdP on the compose network, browsers at IDP_PUBLIC_URL.
        OIDC_ISSUER_INTERNAL_URL: 'http://reference-idp:8080',
        CONSOLE_PUBLIC_URL: consolePublicUrl, FACTORWATCH_SESSION_SECRET: a.session_secret,
      },
    }
  }
  if (name === 'traffic') {
    const keys = sharedKeyPair()
    const target = set(env.IDP_URL) ?? 'http://reference-idp:8080'
    const dataDir = set(env.DEMO_DATA_DIR) ?? '.data/demo'
    const dir = isAbsolute(dataDir) ? dataDir : join(root, dataDir)
    const accounts = rel(join(dir, DEMO_ACCOUNTS_FILE))
    return {
      entry: tsx('reference-idp/traffic/main.ts', '--target', target, '--users', env.DEMO_USERS ?? '120', '--rate', env.DEMO_RATE ?? '3', '--duration', 'forever', '--seed', env.DEMO_SEED ?? '1', '--simulator', simulatorUrl, '--setup-concurrency', '16', '--oob-hold', '0', '--oob-spread', '360'),
      extra: { IDP_SERVICE_SIGNING_KEY: JSON.stringify(keys.privateJwk) },
      // One account per role at the IdP (password and authenticator app), before the traffic starts.
      before: async (log) => {
        await provisionDemoAccounts({ idpUrl: target, signingKey: set(env.IDP_SERVICE_SIGNING_KEY) ?? keys.privateJwk, dataDir: dir })
        log(`demo accounts ready: sign in at ${consolePublicUrl} as demo-<role>@factorwatch.example (roles: ${ROLES.join(', ')}), with its password, then its authenticator code`)
        log(`  passwords: ${accounts} in the traffic container: docker compose exec traffic cat ${accounts}`)
        log('  codes:     docker compose exec traffic npm run demo:code -- viewer   (or another role)')
      },
    }
  }
  throw new Error(`unknown service "${(name ?? '').slice(0, 40)}"; expected collector, idp, console or traffic`)
}

/** The child's environment: the demo's settings, then every non-empty variable already set (those win). */
export const childEnv = (extra: Record<string, string>, env: Env): NodeJS.ProcessEnv =>
  ({ ...extra, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) }) as NodeJS.ProcessEnv

async function main(role: string | undefined): Promise<void> {
  const log = (line: string) => process.stdout.write(`compose-service ${role}: ${line}\n`)
  let launch: Launch
  try {
    launch = launchFor(role, process.env)
  } catch (err) {
    process.stderr.write(`compose-service: ${(err as Error).message}\n`)
    process.exit(2)
  }
  await launch.before?.(log)
  const child = spawn(process.execPath, launch.entry, { stdio: 'inherit', env: childEnv(launch.extra, process.env) })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2]).catch((err: unknown) => {
    process.stderr.write(`compose-service ${process.argv[2] ?? ''}: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
