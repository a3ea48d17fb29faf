/**
 * The composition point of docker-compose.yml's demo, as `npm start` is of the local one:
 * `tsx scripts/compose-service.ts idp|traffic` starts that process with the settings the demo
 * hands it — the simulator's vendor credentials for the IdP (the IdP has no vendor defaults of
 * its own) and one service key pair shared through the `demo-keys` volume (the IdP gets the
 * public half, the traffic generator the private one, to provision its admin and workforce
 * users). Variables already set in the environment win, so a real deployment sets its own.
 */
import { spawn } from 'node:child_process'
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { newServiceKeyPair } from '../reference-idp/service-auth/assertion'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'

const root = new URL('..', import.meta.url).pathname
const env = process.env
const role = process.argv[2]
const keyFile = env.DEMO_SERVICE_KEY_FILE ?? join(root, '.data/demo/service-key.json')

type KeyPair = ReturnType<typeof newServiceKeyPair>

/** Create the pair once; whoever starts first writes it, the other reads the same file. */
function sharedKeyPair(): KeyPair {
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true })
    const tmp = `${keyFile}.${process.pid}`
    writeFileSync(tmp, JSON.stringify(newServiceKeyPair(`compose-${Date.now().toString(36)}`)), { mode: 0o600 })
    try {
      linkSync(tmp, keyFile) // atomic: fails if another service created it first
    } catch {
      /* the other service won; use its pair */
    }
    unlinkSync(tmp)
  }
  return JSON.parse(readFileSync(keyFile, 'utf8')) as KeyPair
}

function entryFor(name: string | undefined): { entry: string; args: string[]; extra: Record<string, string> } {
  const simulatorUrl = env.SIMULATOR_URL ?? 'http://simulator:8090'
  if (name === 'idp') {
    const keys = sharedKeyPair()
    return { entry: 'reference-idp/main.ts', args: [], extra: { IDP_SERVICE_KEYS: JSON.stringify({ keys: [keys.publicJwk] }), ...simulatorIdpEnv(simulatorUrl) } }
  }
  if (name === 'traffic') {
    const keys = sharedKeyPair()
    const target = env.IDP_URL ?? 'http://reference-idp:8080'
    return {
      entry: 'reference-idp/traffic/main.ts',
      args: ['--target', target, '--users', env.DEMO_USERS ?? '120', '--rate', env.DEMO_RATE ?? '3', '--duration', 'forever', '--seed', env.DEMO_SEED ?? '1', '--simulator', simulatorUrl, '--setup-concurrency', '16', '--oob-hold', '0', '--oob-spread', '360'],
      extra: { IDP_SERVICE_SIGNING_KEY: JSON.stringify(keys.privateJwk) },
    }
  }
  process.stderr.write(`compose-service: unknown service "${name ?? ''}"; expected idp or traffic\n`)
  process.exit(2)
}

const { entry, args, extra } = entryFor(role)
const childEnv = { ...extra, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) } as NodeJS.ProcessEnv
const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry), ...args], { stdio: 'inherit', env: childEnv })
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
