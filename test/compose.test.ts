import { execFileSync, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT, requirePrerequisite } from './support/processes'

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0

interface Service { image?: string; build?: unknown; command?: string | string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, { condition: string }>; user?: string }

describe('docker-compose.yml', () => {
  it.runIf(requirePrerequisite(hasCompose, 'docker-compose (Debian package docker-compose)'))('is valid and runs the demo on real servers from the built image', () => {
    const out = execFileSync('docker-compose', ['config'], { cwd: ROOT, encoding: 'utf8' })
    const services = (parse(out) as { services: Record<string, Service> }).services
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'collector', 'console', 'postgres', 'reference-idp', 'simulator', 'traffic'])
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
})
