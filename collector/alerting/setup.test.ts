import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../config'
import { loadAlertingFiles } from './setup'

const dir = mkdtempSync(join(tmpdir(), 'fw-mw-'))
const config = (file: string, env: Record<string, string> = {}) => loadCollectorConfig({ FACTORWATCH_MAINTENANCE_FILE: file, ...env })

describe('rule files at start-up', () => {
  it('reads maintenance windows from YAML', () => {
    const file = join(dir, 'ok.yaml')
    writeFileSync(file, 'version: 1\nwindows:\n  - id: db-upgrade\n    name: IdP database upgrade\n    matchers: [{ name: slo, value: mfa-success }]\n    startsAt: 2026-12-24T22:00:00Z\n    endsAt: 2026-12-24T23:00:00Z\n')
    expect(loadAlertingFiles(config(file)).fileMutes).toMatchObject([{ id: 'db-upgrade', kind: 'maintenance', source: 'file', startsAt: Date.parse('2026-12-24T22:00:00Z'), matchers: [{ name: 'slo', value: 'mfa-success', isRegex: false, isEqual: true }] }])
  })
  it('a bad maintenance file names the file, path and reason', () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'version: 1\nwindows:\n  - id: x\n    name: y\n    matchers: []\n    startsAt: tomorrow\n    endsAt: 2026-12-24T23:00:00Z\n')
    expect(() => loadAlertingFiles(config(file))).toThrow(/bad\.yaml: windows\[0\]\.matchers: .*\n.*bad\.yaml: windows\[0\]\.startsAt/)
  })
  it('a bad ALERTMANAGER_URL names the variable', () => {
    expect(() => config(join(dir, 'ok.yaml'), { ALERTMANAGER_URL: 'http://ok:9093,not a url' })).toThrow(/invalid configuration ALERTMANAGER_URL: got "not a url"/)
  })
})
