import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ENROLLMENT_TARGETS_FILE, EnrollmentTargetsFile, loadEnrollmentTargets } from './enrollment-targets'
import { parseYamlText } from './yaml-file'

describe('dashboards/enrollment-targets.yaml', () => {
  it('the file in the repository: admins 100 %, each group its coverage target, phishing-resistant targets', () => {
    const t = loadEnrollmentTargets()
    expect(t).toMatchObject({ coverage: { admin: 1, workforce: 0.95, customer: 0.6, vendor: 0.9 }, phishing_resistant: { admin: 1, workforce: 0.5 }, source: 'dashboards/enrollment-targets.yaml' })
    expect(t.sms_only_max_share).toBeGreaterThan(0)
    expect(ENROLLMENT_TARGETS_FILE).toMatch(/dashboards\/enrollment-targets\.yaml$/)
  })

  it.each([
    ['version: 1\ncoverage: { admins: 1 }', 'x.yaml: coverage: Unrecognized key: "admins"'],
    ['version: 1\ncoverage: { admin: 100 }', 'x.yaml: coverage.admin: expected a share from 0 to 1 (1 = 100 %)'],
    ['version: 1\ncoverage: { admin: 1 }\nphishing_resistant: { workforce: -0.5 }', 'x.yaml: phishing_resistant.workforce: expected a share from 0 to 1'],
    ['version: 1\ncoverage: { admin: 1 }\nsms_only_max: 0.1', 'x.yaml: (root): Unrecognized key: "sms_only_max"'],
    ['version: 2\ncoverage: {}', 'x.yaml: version:'],
    ['coverage: [admin', 'x.yaml: invalid YAML'],
  ])('%j is refused naming the field', (text, message) => {
    expect(() => parseYamlText(EnrollmentTargetsFile, text, 'x.yaml')).toThrow(message)
  })

  it('another file is named by its path in the error', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'targets-')), 'targets.yaml')
    writeFileSync(path, 'version: 1\ncoverage: { vendor: "high" }\n')
    expect(() => loadEnrollmentTargets(path)).toThrow(`${path}: coverage.vendor: Invalid input: expected number, received string`)
  })
})
