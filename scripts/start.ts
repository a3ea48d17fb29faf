/**
 * `npm start`: collector, provider simulator (when present), reference IdP, demo traffic and
 * the console, on embedded defaults. Every port is overridable by the same variables the
 * processes read (see README).
 */
import { newServiceKeyPair } from '../reference-idp/service-auth/assertion'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { consoleBuildReason } from './lib/build-check'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { Supervisor } from './lib/supervisor'

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
  const collectorEnv = { COLLECTOR_HOST: host, COLLECTOR_OTLP_PORT: ports.otlp, COLLECTOR_QUERY_PORT: ports.query, ...alertingEnv, ...gamedayEnv }
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
    env: { IDP_DEV_KEYS: env.IDP_DEV_KEYS ?? 'on', IDP_PASSWORD_COST: env.IDP_PASSWORD_COST ?? '14', IDP_DEMO_HEADERS: env.IDP_DEMO_HEADERS ?? 'on', IDP_HOST: host, IDP_PORT: ports.idp, OTEL_EXPORTER_OTLP_ENDPOINT: `http://${host}:${ports.otlp}`, IDP_SERVICE_KEYS: serviceKeys, ...(env.IDP_PROVIDER_URL || env.IDP_VENDOR_URLS ? {} : simulatorIdpEnv(simulatorUrl)) },
    ready: /reference-idp listening on/,
  })

  await sup.start({
    name: 'console',
    ...next('start', '-p', ports.console, '-H', host),
    env: { COLLECTOR_QUERY_URL: `http://${host}:${ports.query}`, IDP_URL: idpUrl, NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1' },
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

  sup.say('')
  sup.say(`FactorWatch is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  sup.say(`  console          http://localhost:${ports.console}`)
  if (haveIdp) sup.say(`  reference IdP    ${idpUrl}   (sign up and log in yourself)`)
  sup.say(`  collector OTLP   http://${host}:${ports.otlp}/v1/logs, /v1/traces`)
  sup.say(`  query API        http://${host}:${ports.query}/api/v1/metrics?ids=M1,M2`)
  sup.say(`Ctrl-C stops everything.`)
}

main().catch((err: unknown) => {
  sup.say(`start failed: ${(err as Error).message}`)
  void sup.stopAll(1)
})
