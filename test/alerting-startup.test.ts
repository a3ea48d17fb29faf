import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dashboardsPath } from '../dashboards/schema/yaml-file'
import { runToExit, tempDir } from './support/processes'

describe('collector start-up with a bad rule file', () => {
  it('stops with exit code 2 naming the file, the path in it and the reason, before opening ClickHouse', async () => {
    const dir = tempDir('bad-rules')
    const alerts = join(dir, 'alerts.yaml')
    writeFileSync(alerts, readFileSync(dashboardsPath('alerts.yaml'), 'utf8').replace('severity: page\n    for: 2m\n    runbook: brute-force-wave', 'severity: urgent\n    for: 2m\n    runbook: brute-force-wave'))
    const run = await runToExit('collector/main.ts', [], { FACTORWATCH_ALERTS_FILE: alerts, FACTORWATCH_DATA_DIR: join(dir, 'data'), COLLECTOR_OTLP_PORT: '0', COLLECTOR_QUERY_PORT: '0' }, 60_000)
    expect(run.code).toBe(2)
    expect(run.output).toMatch(new RegExp(`collector: ${alerts.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: thresholds\\[2\\]\\.severity: Invalid option: expected one of "page"\\|"ticket"`))
    expect(run.output).not.toMatch(/clickhouse:/)
  }, 90_000)
})
