import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RULE_FILES, loadRuleSet } from './load'
import { dashboardsPath } from '../../dashboards/schema/yaml-file'

function withFiles(edit: (slos: string, alerts: string) => [string, string]): { slos: string; alerts: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rules-'))
  copyFileSync(dashboardsPath('subprocessors.yaml'), join(dir, 'subprocessors.yaml'))
  const [s, a] = edit(readFileSync(DEFAULT_RULE_FILES.slos, 'utf8'), readFileSync(DEFAULT_RULE_FILES.alerts, 'utf8'))
  writeFileSync(join(dir, 'slos.yaml'), s)
  writeFileSync(join(dir, 'alerts.yaml'), a)
  return { slos: join(dir, 'slos.yaml'), alerts: join(dir, 'alerts.yaml') }
}

describe('default rule files', () => {
  const set = loadRuleSet()

  it('ship an SLO for every metric with a target in the guide and one per vendor × channel of the registry', () => {
    const metrics = set.slos.map((s) => s.metric).filter(Boolean)
    expect(metrics).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M8', 'M9', 'M10'])
    const vendor = set.slos.filter((s) => s.vendor)
    expect(vendor.map((s) => s.id)).toEqual(['vendor-twilio-sms', 'vendor-vonage-sms', 'vendor-twilio-voice-voice', 'vendor-vonage-voice-voice', 'vendor-ses-email', 'vendor-sendgrid-email', 'vendor-fcm-push', 'vendor-apns-push'])
    expect(vendor[0]).toMatchObject({ objective: 99.95, total: { event: 'mfa.provider.request', provider: ['twilio'], channel: ['sms'] } })
  })

  it('admins are held to 99.9 % on M1; critical groups page and the others get tickets', () => {
    const m1 = set.slos.find((s) => s.id === 'mfa-success')!
    expect(m1.groupObjectives).toEqual({ admin: 99.9, workforce: 99.5, customer: 99.5, vendor: 99.5 })
    const page = set.rules.filter((r) => r.id.startsWith('mfa-success:burn-1h-5m:'))
    expect(page.map((r) => [r.labels.user_group, r.severity])).toEqual([['admin', 'page'], ['workforce', 'page'], ['customer', 'ticket'], ['vendor', 'ticket']])
    expect(set.rules.find((r) => r.id === 'mfa-success:burn-1d-2h')).toMatchObject({ severity: 'ticket', forS: 900 })
  })

  it('every rule has a runbook file, and vendor rules carry vendor and channel labels', () => {
    for (const r of set.rules) expect(existsSync(dashboardsPath(`runbooks/${r.runbook}.md`)), r.id).toBe(true)
    expect(set.rules.find((r) => r.id === 'vendor-twilio-sms:burn-1h-5m:admin')!.labels).toEqual({ slo: 'vendor-twilio-sms', vendor: 'twilio', channel: 'sms', user_group: 'admin', window: '1h-5m' })
  })
})

describe('a bad rule file stops start-up naming the file, the path and the reason', () => {
  it.each([
    ['a reason the event does not have', (s: string, a: string) => [s.replace('reason: [mfa_failed] }', 'reason: [mfa_flailed] }'), a], /slos\.yaml: slos\[0\]\.sli\.bad\.reason\[0\]: reason "mfa_flailed" is not one of mfa\.login\.completed's/],
    ['an objective of 100 on a ratio', (s: string, a: string) => [s.replace('objective: 99.5\n    user_groups: { admin: 99.9 }\n    runbook: idp-outage\n    sli:\n      type: ratio\n      total: { event: mfa.login.completed', 'objective: 100\n    user_groups: { admin: 99.9 }\n    runbook: idp-outage\n    sli:\n      type: ratio\n      total: { event: mfa.login.completed'), a], /slos\.yaml: slos\[0\]\.objective: got 100/],
    ['a malformed duration', (s: string, a: string) => [s, a.replace('for: 1m }   # 2 %', 'for: 1min }   # 2 %')], /alerts\.yaml: burn_rate\.page\[0\]\.for: expected a duration/],
    ['an unknown key', (s: string, a: string) => [s, a.replace('keep_firing_for: 2m', 'keep_firing_for: 2m\nkeep_fireing: 1m')], /alerts\.yaml: \(root\): Unrecognized key: "keep_fireing"/],
  ] as const)('%s', (_name, edit, message) => {
    expect(() => loadRuleSet(withFiles(edit as (s: string, a: string) => [string, string]))).toThrow(message)
  })
})
