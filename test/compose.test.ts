import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROLES } from '../contract/access'
import { parseAuthConfig } from '../app/_lib/env'
import { childEnv, launchFor, type DemoFiles } from '../scripts/compose-service'
import { ROOT, requirePrerequisite, tempDir } from './support/processes'

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0

interface Service { image?: string; build?: unknown; command?: string | string[]; entrypoint?: string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, { condition: string }>; user?: string; profiles?: string[] }
const CLUSTER_SERVICES = ['clickhouse-keeper', 'clickhouse-shard1', 'clickhouse-shard2']
const secretsDir = tempDir('compose-secrets')
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }))
let filesSeq = 0
const freshFiles = (): DemoFiles => {
  filesSeq += 1
  return { keyFile: join(secretsDir, `key-${filesSeq}.json`), accessFile: join(secretsDir, `access-${filesSeq}.json`) }
}
const composeConfig = (...args: string[]) => (parse(execFileSync('docker-compose', [...args, 'config'], { cwd: ROOT, encoding: 'utf8' })) as { services: Record<string, Service> }).services

describe('docker-compose.yml', () => {
  it.runIf(requirePrerequisite(hasCompose, 'docker-compose (Debian package docker-compose)'))('is valid and runs the demo on real servers from the built image', () => {
    const services = composeConfig()
    expect(Object.keys(services).sort()).toEqual(['clickhouse', ...CLUSTER_SERVICES, 'collector', 'console', 'postgres', 'reference-idp', 'simulator', 'traffic'])
    // The cluster's servers start only with `--profile cluster`; without it the collector is on the single server.
    for (const name of CLUSTER_SERVICES) expect(services[name].profiles, name).toEqual(['cluster'])
    expect(services.collector.environment?.CLICKHOUSE_CLUSTER ?? '').toBe('')
    // ClickHouse at the embedded chDB's major.minor, PostgreSQL for the IdP.
    expect(services.clickhouse.image).toBe('clickhouse/clickhouse-server:26.7')
    expect(services.collector.environment?.CLICKHOUSE_URL).toBe('http://clickhouse:8123')
    expect(services['reference-idp'].environment?.DATABASE_URL).toBe('postgres://factorwatch:factorwatch@postgres:5432/idp')
    expect(services['reference-idp'].environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://collector:4318')
    for (const name of ['collector', 'simulator', 'reference-idp', 'traffic', 'console']) {
      const svc = services[name]
      expect(svc.build, `${name} builds the Dockerfile`).toBeDefined()
      // No bind-mounted source or node_modules: only named volumes.
      for (const v of svc.volumes ?? []) expect(v, `${name} mounts ${v}`).not.toMatch(/^(\.|\/)/)
    }
    // Nothing waits on a one-off install service any more; the traffic waits for a healthy IdP.
    expect(JSON.stringify(services)).not.toContain('npm ci')
    expect(services.traffic.depends_on?.['reference-idp']?.condition).toBe('service_healthy')
  })

  it.runIf(requirePrerequisite(hasCompose, 'docker-compose (Debian package docker-compose)'))('signs the console in through the IdP with secrets the services share on the demo-keys volume', () => {
    const services = composeConfig()
    const roles = { collector: 'collector', 'reference-idp': 'idp', console: 'console', traffic: 'traffic' } as const
    for (const [name, role] of Object.entries(roles)) {
      expect(services[name].command, name).toBe(`npx tsx scripts/compose-service.ts ${role}`)
      expect(services[name].volumes, name).toContain('demo-keys:/app/.data/demo:rw')
    }
    // Each service's environment as compose hands it, plus what compose-service adds (one access file for all).
    const files = freshFiles()
    const envOf = (name: keyof typeof roles) => {
      const own = services[name].environment ?? {}
      return childEnv(launchFor(roles[name], own, files).extra, own)
    }
    const collector = envOf('collector')
    const idp = envOf('reference-idp')
    const consoleEnv = envOf('console')
    const traffic = envOf('traffic')

    // The console binds 0.0.0.0: OIDC against the IdP's public issuer, its own calls over the compose network.
    expect(services.console.command).not.toContain('next start')
    const auth = parseAuthConfig(consoleEnv)
    if (auth.mode !== 'oidc') throw new Error(`console auth mode ${auth.mode}`)
    expect(auth.issuer).toBe(`${idp.IDP_PUBLIC_URL}/oidc`)
    expect(auth.issuer).toBe('http://localhost:8080/oidc')
    expect(auth.issuerInternalUrl).toBe('http://reference-idp:8080')
    expect(consoleEnv.CONSOLE_HOST).toBe('0.0.0.0')
    expect(auth.publicUrl).toBe('http://localhost:3000')
    expect(() => parseAuthConfig({ ...consoleEnv, FACTORWATCH_AUTH: 'local' })).toThrow(/loopback/)

    // The IdP registers the console's client with the console's secret and redirects.
    const clients = JSON.parse(idp.IDP_OIDC_CLIENTS ?? '[]') as { client_id: string; client_secret: string; redirect_uris: string[]; post_logout_redirect_uris: string[] }[]
    expect(clients).toEqual([{ client_id: auth.clientId, client_secret: auth.clientSecret, redirect_uris: ['http://localhost:3000/auth/callback'], post_logout_redirect_uris: ['http://localhost:3000/auth/signed-out'] }])
    expect(auth.clientSecret.length).toBeGreaterThanOrEqual(32)

    // Collector tokens: the console's is one of the API tokens (role console), an admin's beside it; the IdP's ingest token is accepted.
    const apiTokens = Object.fromEntries((collector.COLLECTOR_API_TOKENS ?? '').split(',').map((p) => p.split(':') as [string, string]))
    expect(Object.keys(apiTokens).sort()).toEqual(['admin', 'console'])
    expect(apiTokens.console).toBe(consoleEnv.COLLECTOR_API_TOKEN)
    expect(apiTokens.admin).not.toBe(apiTokens.console)
    const ingest = /^demo:(.+)$/.exec(collector.COLLECTOR_INGEST_TOKENS ?? '')?.[1]
    expect(ingest).toBeTruthy()
    expect(idp.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer%20${ingest}`)
    const secrets = [apiTokens.console, apiTokens.admin, ingest, auth.clientSecret, auth.sessionSecret]
    expect(new Set(secrets).size).toBe(5)
    expect(statSync(files.accessFile).mode & 0o777).toBe(0o600)
    // Nothing secret is written into the compose file.
    for (const s of secrets) expect(JSON.stringify(services)).not.toContain(s)

    // The traffic generator provisions with the private half of the key the IdP trusts; demo accounts land on the volume.
    const trusted = JSON.parse(idp.IDP_SERVICE_KEYS ?? '{}') as { keys: { kid: string }[] }
    expect(trusted.keys.map((k) => k.kid)).toEqual([(JSON.parse(traffic.IDP_SERVICE_SIGNING_KEY ?? '{}') as { kid: string }).kid])
    expect(`/app/${traffic.DEMO_DATA_DIR}`).toBe('/app/.data/demo')

    // A value set in the environment wins; an empty one (an unset ${VAR:-}) does not.
    expect(services.collector.environment?.COLLECTOR_API_TOKENS).toBe('')
    const own = { ...services.console.environment, OIDC_CLIENT_SECRET: 'my-own-secret-0123456789abcdef' }
    expect(childEnv(launchFor('console', own, files).extra, own).OIDC_CLIENT_SECRET).toBe('my-own-secret-0123456789abcdef')
  })

  it.runIf(requirePrerequisite(hasCompose, 'docker-compose (Debian package docker-compose)'))('has a two-shard cluster profile whose ClickHouse configuration names the compose services', () => {
    const services = composeConfig('--profile', 'cluster', '--env-file', 'deploy/clickhouse/cluster.env')
    const env = Object.fromEntries(readFileSync(`${ROOT}deploy/clickhouse/cluster.env`, 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=') as [string, string]))
    expect(env.COMPOSE_PROFILES).toBe('cluster')
    expect(services.collector.environment).toMatchObject({ CLICKHOUSE_URL: 'http://clickhouse-shard1:8123', CLICKHOUSE_CLUSTER: 'factorwatch' })

    // Every file a cluster service mounts exists, and the servers read the cluster configuration.
    const mounts = (name: string) => (services[name].volumes ?? []).filter((v) => v.startsWith('/')).map((v) => v.split(':'))
    for (const name of CLUSTER_SERVICES) for (const [host] of mounts(name)) expect(() => readFileSync(host), `${name} mounts ${host}`).not.toThrow()
    const config = parse(readFileSync(`${ROOT}deploy/clickhouse/cluster.yaml`, 'utf8'))
    const keeper = parse(readFileSync(`${ROOT}deploy/clickhouse/keeper.yaml`, 'utf8'))
    const users = parse(readFileSync(`${ROOT}deploy/clickhouse/cluster-users.yaml`, 'utf8'))

    // The cluster CLICKHOUSE_CLUSTER names has one shard per server service, at the compose credentials.
    const shards = config.remote_servers[env.CLICKHOUSE_CLUSTER].shard as { internal_replication: boolean; replica: { host: string; port: number; user: string; password: string } }[]
    expect(shards.map((s) => s.replica.host)).toEqual(['clickhouse-shard1', 'clickhouse-shard2'])
    for (const s of shards) {
      expect(s.internal_replication).toBe(true)
      expect(services[s.replica.host].environment).toMatchObject({ CLICKHOUSE_USER: s.replica.user, CLICKHOUSE_PASSWORD: s.replica.password, CLICKHOUSE_DB: 'factorwatch' })
      expect(mounts(s.replica.host).map(([, inside]) => inside)).toEqual(['/etc/clickhouse-server/config.d/factorwatch-cluster.yaml', '/etc/clickhouse-server/users.d/factorwatch-cluster.yaml'])
    }
    // Macros from each server's environment: distinct shards, distinct replicas.
    expect(config.macros).toEqual({ cluster: env.CLICKHOUSE_CLUSTER, shard: { '@from_env': 'CLICKHOUSE_SHARD' }, replica: { '@from_env': 'CLICKHOUSE_REPLICA' } })
    expect(new Set(shards.map((s) => services[s.replica.host].environment?.CLICKHOUSE_SHARD)).size).toBe(2)
    expect(new Set(shards.map((s) => services[s.replica.host].environment?.CLICKHOUSE_REPLICA)).size).toBe(2)
    // Keeper: the servers reach it where it listens.
    expect(config.zookeeper.node).toEqual({ host: 'clickhouse-keeper', port: keeper.keeper_server.tcp_port })
    expect(keeper.keeper_server.raft_configuration.server.hostname).toBe('clickhouse-keeper')
    expect(services['clickhouse-keeper'].entrypoint).toEqual(['/usr/bin/clickhouse', 'keeper', '--config-file=/etc/clickhouse-keeper/keeper.yaml'])
    // An insert into a Distributed table answers once its rows are on their shard.
    expect(users.profiles.default.distributed_foreground_insert).toBe(1)
  })
})

describe('scripts/compose-service.ts', () => {
  it('creates the shared secrets once: every service reads the same access file and key pair', () => {
    const files = freshFiles()
    const a = launchFor('console', {}, files).extra
    const b = launchFor('idp', {}, files).extra
    const c = launchFor('console', {}, files).extra
    expect(c).toEqual(a)
    expect(JSON.parse(b.IDP_OIDC_CLIENTS)[0].client_secret).toBe(a.OIDC_CLIENT_SECRET)
    const other = launchFor('console', {}, freshFiles()).extra
    expect(other.OIDC_CLIENT_SECRET).not.toBe(a.OIDC_CLIENT_SECRET)
    expect(() => launchFor('bogus', {}, files)).toThrow(/unknown service "bogus"/)
  })

  it('the traffic role provisions one demo account per role before the traffic and logs how to sign in, never a password or secret', async () => {
    const provisioned: { email: string; roles: string[] }[] = []
    const idp = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/api/v1/admin/provision' && /^Bearer .+/.test(req.headers.authorization ?? '')) {
          provisioned.push(JSON.parse(body) as { email: string; roles: string[] })
          res.setHeader('content-type', 'application/json')
          res.end('{}')
        } else {
          res.statusCode = 404
          res.end('{}')
        }
      })
    })
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r))
    try {
      const dataDir = join(secretsDir, 'demo-data')
      const launch = launchFor('traffic', { IDP_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}`, DEMO_DATA_DIR: dataDir }, freshFiles())
      const lines: string[] = []
      await launch.before?.((l) => lines.push(l))
      expect(provisioned.map((p) => p.roles)).toEqual(ROLES.map((r) => [r]))
      const file = join(dataDir, 'demo-accounts.json')
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const { accounts } = JSON.parse(readFileSync(file, 'utf8')) as { accounts: { password: string; totp_secret: string }[] }
      const out = lines.join('\n')
      expect(out).toContain('docker compose exec traffic npm run demo:code -- viewer')
      expect(out).toContain(file)
      for (const a of accounts) {
        expect(out).not.toContain(a.password)
        expect(out).not.toContain(a.totp_secret)
      }
      expect(out).not.toContain(launch.extra.IDP_SERVICE_SIGNING_KEY)
      expect(launch.entry.slice(2, 3)[0]).toMatch(/reference-idp\/traffic\/main\.ts$/)
    } finally {
      await new Promise<void>((r) => idp.close(() => r()))
    }
  })
})
