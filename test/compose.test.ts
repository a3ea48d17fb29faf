import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT, requirePrerequisite } from './support/processes'

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0

interface Service { image?: string; build?: unknown; command?: string | string[]; entrypoint?: string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, { condition: string }>; user?: string; profiles?: string[] }
const CLUSTER_SERVICES = ['clickhouse-keeper', 'clickhouse-shard1', 'clickhouse-shard2']
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
