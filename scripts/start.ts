/**
 * `npm start`: collector, provider simulator (when present), reference IdP, demo traffic and
 * the console, on embedded defaults. Every port is overridable by the same variables the
 * processes read (see README).
 */
import { newServiceKeyPair } from '../reference-idp/service-auth/assertion'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { consoleBuildReason } from './lib/build-check'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { Supervisor } from './lib/supervisor'
import { demoUsername, provisionDemoAccounts } from './demo-accounts'
import { ROLES } from '../contract/access'
import { COLLECTOR_UV_THREADPOOL_SIZE } from '../collector/threadpool'

const root = new URL('..', import.meta.url).pathname
const env = process.env
const host = env.FACTORWATCH_HOST ?? '127.0.0.1'
const ports = {
  console: env.CONSOLE_PORT ?? '3000',
  idp: env.IDP_PORT ?? '8080',
  simulator: env.SIMULATOR_PORT ?? '8090',
  otlp: env.COLLECTOR_OTLP_PORT ?? '4318',
  query: env.COLLECTOR_QUERY_PORT ?? '4320',
}
const tsx = (entry: string, ...args: string[]) => ({ command: process.execPath, args: ['--import', 'tsx', join(root, entry), ...args] })
const next = (...args: string[]) => ({ command: process.execPath, args: [join(root, 'node_modules/next/dist/bin/next'), ...args] })

const sup = new Supervisor()
// The demo's traffic generator provisions its admins and workforce users with signed
// assertions (account types are never chosen at sign-up): a key pair per run, the IdP gets the
// public half, the generator the private one. Set both variables to use your own.
const demoKey = newServiceKeyPair(`demo-${Date.now().toString(36)}`)
// The collector's game-day controller drives the IdP's fault API with its own key pair (kid collector-…).
const collectorKey = newServiceKeyPair(`collector-${Date.now().toString(36)}`)
const serviceKeys = env.IDP_SERVICE_KEYS || JSON.stringify({ keys: [demoKey.publicJwk, collectorKey.publicJwk] })
const serviceSigningKey = env.IDP_SERVICE_SIGNING_KEY || JSON.stringify(demoKey.privateJwk)
const collectorServiceKey = env.COLLECTOR_IDP_SERVICE_KEY || (env.IDP_SERVICE_KEYS ? '' : JSON.stringify(collectorKey.privateJwk))

// Access (issue "access"): the console signs in through the reference IdP's OpenID Connect
// provider, the collector's API takes bearer tokens and its OTLP receiver producer tokens. Every
// secret below is made per run (all processes restart together), unless set in the environment.
const secret = () => randomBytes(32).toString('base64url')
const localAuth = env.FACTORWATCH_AUTH === 'local'
const dataDir = join(root, '.data')
const consolePublicUrl = env.CONSOLE_PUBLIC_URL || `http://${host === '127.0.0.1' ? 'localhost' : host}:${ports.console}`
const consoleToken = env.COLLECTOR_API_TOKEN || secret()
const adminApiToken = secret()
const ingestToken = secret()
const apiTokens = env.COLLECTOR_API_TOKENS || `console:${consoleToken},admin:${adminApiToken}`
const ingestTokens = env.COLLECTOR_INGEST_TOKENS || `demo:${ingestToken}`
const oidcClientSecret = env.OIDC_CLIENT_SECRET || secret()
const oidcClients = env.IDP_OIDC_CLIENTS || JSON.stringify([{
  client_id: 'factorwatch-console', client_secret: oidcClientSecret,
  redirect_uris: [`${consolePublicUrl}/auth/callback`], post_logout_redirect_uris: [`${consolePublicUrl}/auth/signed-out`],
}])

/** The run's admin API token, for curl and Prometheus: in a file only its owner reads, never on screen. */
function writeApiTokenFile(): string | undefined {
  if (env.COLLECTOR_API_TOKENS) return undefined
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'api-token')
  writeFileSync(file, `${adminApiToken}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return file
}

async function main(): Promise<void> {
  const t0 = Date.now()
  const buildReason = consoleBuildReason(root)
  if (buildReason) {
    sup.say(`building the console (${buildReason}); this takes a minute or two the first time`)
    await sup.run({ name: 'build', ...next('build'), env: { NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1' } })
  }

  // Alerting settings pass through unchanged (the collector validates them and names a bad one).
  const alertingEnv = Object.fromEntries(
    ['ALERTMANAGER_URL', 'ALERT_WEBHOOK_URL', 'ALERT_EVAL_INTERVAL_S', 'COLLECTOR_PUBLIC_URL', 'FACTORWATCH_SLOS_FILE', 'FACTORWATCH_ALERTS_FILE', 'FACTORWATCH_MAINTENANCE_FILE', 'FACTORWATCH_GAMEDAYS_DIR', 'GAMEDAY_TICK_MS', 'GAMEDAY_FAULT_MARGIN_S']
      .filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k] as string]),
  )
  const simulatorUrl = `http://${host}:${ports.simulator}`
  const idpUrl = `http://${host}:${ports.idp}`
  // Game days: the IdP's fault API (signed with the collector's key) and the simulator's faults.
  const gamedayEnv = { COLLECTOR_IDP_URL: env.COLLECTOR_IDP_URL || idpUrl, COLLECTOR_SIMULATOR_URL: env.COLLECTOR_SIMULATOR_URL || simulatorUrl, ...(collectorServiceKey ? { COLLECTOR_IDP_SERVICE_KEY: collectorServiceKey } : {}) }
  const collectorEnv = { UV_THREADPOOL_SIZE: env.UV_THREADPOOL_SIZE || COLLECTOR_UV_THREADPOOL_SIZE, COLLECTOR_HOST: host, COLLECTOR_OTLP_PORT: ports.otlp, COLLECTOR_QUERY_PORT: ports.query, COLLECTOR_API_TOKENS: apiTokens, COLLECTOR_INGEST_TOKENS: ingestTokens, ...alertingEnv, ...gamedayEnv }
  await sup.start({ name: 'collector', ...tsx('collector/main.ts'), env: collectorEnv, ready: /collector query listening/ })

  await sup.start({ name: 'simulator', ...tsx('reference-idp/simulator/main.ts'), env: { SIMULATOR_HOST: host, SIMULATOR_PORT: ports.simulator }, ready: /provider-simulator listening on/ })

  const haveIdp = existsSync(join(root, 'reference-idp/main.ts'))
  if (!haveIdp) sup.say('reference IdP not present in this checkout: no demo traffic; send your own OTLP to the collector')
  if (haveIdp) await sup.start({
    name: 'idp',
    ...tsx('reference-idp/main.ts'),
    // SMS, voice and e-mail codes go through the vendor adapters to the simulator's vendors: the
    // IdP knows no vendor secret of its own, so the simulator's are handed over here (unless
    // IDP_PROVIDER_URL or IDP_VENDOR_URLS points elsewhere: then its IDP_VENDOR_CREDENTIALS and receipt secrets come from your environment).
    // The demo generates development keys beside .data/idp (in .data/keys/, never in the data
    // directory) and hashes at scrypt N=2^14 so a 2-core laptop keeps up with the demo traffic;
    // set IDP_SECRET_KEY / IDP_USER_HASH_KEY (or IDP_KEY_FILE) and IDP_PASSWORD_COST to change that.
    env: { IDP_DEV_KEYS: env.IDP_DEV_KEYS ?? 'on', IDP_PASSWORD_COST: env.IDP_PASSWORD_COST ?? '14', IDP_DEMO_HEADERS: env.IDP_DEMO_HEADERS ?? 'on', IDP_HOST: host, IDP_PORT: ports.idp, OTEL_EXPORTER_OTLP_ENDPOINT: `http://${host}:${ports.otlp}`, IDP_SERVICE_KEYS: serviceKeys, IDP_OIDC_CLIENTS: oidcClients,
      // The IdP's producer token for the collector's OTLP receiver (OTel's header syntax: percent-encoded value).
      ...(env.OTEL_EXPORTER_OTLP_HEADERS || env.COLLECTOR_INGEST_TOKENS ? {} : { OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${ingestToken}` }), ...(env.IDP_PROVIDER_URL || env.IDP_VENDOR_URLS ? {} : simulatorIdpEnv(simulatorUrl)) },
    ready: /reference-idp listening on/,
  })

  // One account per role at the reference IdP, each with a password and an authenticator app.
  const demo = haveIdp && !localAuth && !env.OIDC_ISSUER ? await provisionDemoAccounts({ idpUrl, signingKey: serviceSigningKey, dataDir }) : []

  await sup.start({
    name: 'console',
    ...next('start', '-p', ports.console, '-H', host),
    env: {
      COLLECTOR_QUERY_URL: `http://${host}:${ports.query}`, IDP_URL: idpUrl, NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1',
      CONSOLE_HOST: host, COLLECTOR_API_TOKEN: consoleToken,
      ...(localAuth
        ? { FACTORWATCH_AUTH: 'local' }
        : {
            FACTORWATCH_AUTH: 'oidc', OIDC_ISSUER: env.OIDC_ISSUER || `${idpUrl}/oidc`, OIDC_CLIENT_ID: env.OIDC_CLIENT_ID || 'factorwatch-console', OIDC_CLIENT_SECRET: oidcClientSecret,
            CONSOLE_PUBLIC_URL: consolePublicUrl, FACTORWATCH_SESSION_SECRET: env.FACTORWATCH_SESSION_SECRET || secret(),
          }),
    },
    ready: /Ready in|started server|Local:/i,
  })

  if (haveIdp && (env.DEMO_TRAFFIC ?? 'on') !== 'off') {
    await sup.start({
      name: 'traffic',
      ...tsx('reference-idp/traffic/main.ts', '--target', idpUrl, '--users', env.DEMO_USERS ?? '120', '--rate', env.DEMO_RATE ?? '3', '--duration', 'forever', '--seed', env.DEMO_SEED ?? '1', '--simulator', simulatorUrl, '--setup-concurrency', '32', '--oob-hold', '0', '--oob-spread', env.DEMO_OOB_SPREAD ?? '360', '--attackers', env.DEMO_ATTACKERS ?? '0.02', '--passkey-share', env.DEMO_PASSKEY_SHARE ?? '0.1', '--push-share', env.DEMO_PUSH_SHARE ?? '0.1', '--push-bombing', env.DEMO_PUSH_BOMBING ?? '0.1'),
      env: { IDP_SERVICE_SIGNING_KEY: serviceSigningKey },
      finite: true,
    })
  }

  const tokenFile = writeApiTokenFile()

  sup.say('')
  sup.say(`FactorWatch is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  sup.say(`  console          ${consolePublicUrl}`)
  if (localAuth) sup.say('                   local mode: no sign-in, everyone is admin (FACTORWATCH_AUTH=local; loopback only)')
  if (demo.length > 0) {
    sup.say('  sign in as one of the demo accounts (password, then the authenticator code):')
    for (const role of ROLES) sup.say(`    ${role.padEnd(9)} ${demoUsername(role)}`)
    sup.say('    passwords: .data/demo-accounts.json;  npm run demo:code -- <role>  prints the current code')
  }
  if (haveIdp) sup.say(`  reference IdP    ${idpUrl}   (sign up and log in yourself)`)
  sup.say(`  collector OTLP   http://${host}:${ports.otlp}/v1/logs, /v1/traces`)
  sup.say(`  query API        http://${host}:${ports.query}/api/v1/metrics?ids=M1,M2`)
  if (tokenFile) sup.say(`                   curl -H "Authorization: Bearer $(cat ${tokenFile.replace(root, '')})" …  (an admin token, this run only)`)
  sup.say(`Ctrl-C stops everything.`)
}

main().catch((err: unknown) => {
  sup.say(`start failed: ${(err as Error).message}`)
  void sup.stopAll(1)
})
