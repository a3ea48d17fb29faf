import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runToExit, tempDir } from './support/processes'

describe('collector start-up with bad enrollment targets', () => {
  it('stops with exit code 2 naming the file and the field, before opening ClickHouse', async () => {
    const dir = tempDir('bad-targets')
    const targets = join(dir, 'enrollment-targets.yaml')
    writeFileSync(targets, 'version: 1\ncoverage:\n  admin: 1.0\n  workforce: 95\n')
    const run = await runToExit('collector/main.ts', [], { FACTORWATCH_ENROLLMENT_TARGETS_FILE: targets, FACTORWATCH_DATA_DIR: join(dir, 'data'), COLLECTOR_OTLP_PORT: '0', COLLECTOR_QUERY_PORT: '0' }, 60_000)
    expect(run.code).toBe(2)
    expect(run.output).toContain(`collector: ${targets}: coverage.workforce: expected a share from 0 to 1 (1 = 100 %)`)
    expect(run.output).not.toMatch(/clickhouse:/)
  }, 90_000)
})
