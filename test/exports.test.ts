import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { openClickHouse, type ClickHouseClient } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { requirePrerequisite, runToExit, tempDir } from './support/processes'

// The export commands as users run them: promtool accepts the rules, and every Grafana panel's
// SQL runs on ClickHouse (chDB) once Grafana's macros are expanded.
const PROMTOOL = '/usr/bin/promtool'
const havePromtool = requirePrerequisite(existsSync(PROMTOOL), `Debian prometheus (promtool) at ${PROMTOOL} (apt-get install -y prometheus)`)

describe.skipIf(!havePromtool)('npm run export:prometheus', () => {
  it('writes rules that promtool check rules accepts', async () => {
    const out = tempDir('prom-export')
    const run = await runToExit('scripts/export-prometheus.ts', ['--out', out])
    expect(run.code, run.output).toBe(0)
    expect(run.output).toMatch(/\d+ rules, 3 not exportable/)
    const file = join(out, 'factorwatch-slo-rules.yaml')
    const check = execFileSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' })
    expect(check).toMatch(/SUCCESS: \d+ rules found/)
  }, 120_000)
  it('promtool refuses a broken file (the check can fail)', () => {
    const out = tempDir('prom-broken')
    const bad = join(out, 'bad.yaml')
    writeFileSync(bad, 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m]) > \n')
    expect(() => execFileSync(PROMTOOL, ['check', 'rules', bad], { stdio: 'pipe' })).toThrow()
  })
})

describe('npm run export:grafana', () => {
  let dir: string
  let client: ClickHouseClient
  let close: () => Promise<void>
  beforeAll(async () => {
    dir = tempDir('grafana-sql')
    const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
    client = ch.client
    close = ch.close
    await migrate(client, { ttlDays: 400 })
  })
  afterAll(async () => {
    await close?.()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes dashboards whose every panel query runs on ClickHouse', async () => {
    const out = tempDir('grafana-export')
    const run = await runToExit('scripts/export-grafana.ts', ['--out', out])
    expect(run.code, run.output).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toEqual(['factorwatch-oncall.json', 'factorwatch-slos.json'])
    let queries = 0
    for (const f of files) {
      const d = JSON.parse(readFileSync(join(out, f), 'utf8'))
      for (const p of d.panels) {
        for (const t of p.targets) {
          const sql = String(t.rawSql).replace(/\$__timeInterval\((\w+)\)/g, 'toStartOfInterval($1, INTERVAL 60 SECOND)').replace(/\$__timeFilter\((\w+)\)/g, '$1 >= now() - INTERVAL 1 DAY')
          expect(sql).not.toContain('$')
          await (await client.query({ query: sql, format: 'JSONEachRow' })).json()
          queries++
        }
      }
    }
    expect(queries).toBeGreaterThan(20)
  }, 120_000)
})
