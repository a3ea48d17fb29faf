import { execFileSync, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ROOT, requirePrerequisite } from './support/processes'

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0

describe('docker-compose.yml', () => {
  it.runIf(requirePrerequisite(hasCompose, 'docker-compose (Debian package docker-compose)'))('is valid and wires the five services to real servers', () => {
    const out = execFileSync('docker-compose', ['config'], { cwd: ROOT, encoding: 'utf8' })
    for (const svc of ['clickhouse:', 'postgres:', 'collector:', 'reference-idp:', 'console:']) expect(out).toContain(svc)
    expect(out).toMatch(/CLICKHOUSE_URL: http:\/\/clickhouse:8123/)
    expect(out).toMatch(/DATABASE_URL: postgres:\/\/factorwatch:factorwatch@postgres:5432\/idp/)
    expect(out).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT: http:\/\/collector:4318/)
  })
})
