import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FaultRequest, FAULT_KINDS } from '../../reference-idp/simulator/faults'
import { IdpFaultRequest, RunbookActionRequest } from '../../contract'
import { SIMULATOR_FAULT_KINDS, blastRadiusText, loadScenarioFile, loadScenarioRefs, loadScenarios, scenarioSummary, stepSummary } from './gameday'
import { dashboardsPath } from './yaml-file'

const refs = loadScenarioRefs()
const dir = mkdtempSync(join(tmpdir(), 'fw-gameday-schema-'))
const GOOD = readFileSync(dashboardsPath('gamedays/sms-primary-outage-eu-west.yaml'), 'utf8')

/** Write `text` as <name>.yaml and load it. */
const load = (text: string, name = 'sms-primary-outage-eu-west') => {
  const path = join(dir, `${name}.yaml`)
  writeFileSync(path, text)
  return () => loadScenarioFile(path, refs)
}

describe('game-day scenarios (dashboards/gamedays)', () => {
  it('ships the six scenarios of issue 13, each valid against slos.yaml, alerts.yaml and the registry', () => {
    const all = loadScenarios(dashboardsPath('gamedays'), refs)
    expect(all.map((s) => s.id)).toEqual(['email-delivery-loss', 'idp-partial-outage', 'lost-device-surge', 'push-provider-outage', 'sms-primary-outage-eu-west', 'vendor-latency-surge'])
    for (const s of all) {
      expect(s.pages).toBe(false)
      expect(s.guardrails.length).toBeGreaterThan(0)
      expect(s.expectations.length).toBeGreaterThan(0)
    }
  })

  it('parses durations to seconds, fills defaults and derives ids of guardrails and expectations', () => {
    const s = load(GOOD)()
    expect(s.steps[0]).toMatchObject({ id: 'twilio-sms-down', target: 'idp', fault: 'error', vendor: 'twilio', channel: 'sms', region: 'eu-west', share: 1, start: 0, duration: 600, scope: {} })
    expect(s.steps[1]).toMatchObject({ target: 'runbook', action: 'drain_vendor', start: 180, duration: 420 })
    expect(s.guardrails.map((g) => g.id)).toEqual(['slo-burn-mfa-success', 'admin-success-floor', 'unrelated-page'])
    expect(s.expectations.map((e) => e.id)).toEqual(['breaker-opens-twilio', 'fallback-share', 'alert-fires-vendor-circuit-open', 'alert-fires-vendor-twilio-sms', 'success-rate-admin'])
  })

  it('renders the blast radius as one sentence and each step as a summary', () => {
    const s = load(GOOD)()
    expect(blastRadiusText(s)).toBe('Touches up to 100 % of admin and workforce and customer and vendor users in eu-west for 10 min (IdP error twilio, drain vendor twilio); real users are included, and drill alerts do not page.')
    expect(stepSummary(s.steps[0])).toBe('idp error twilio sms eu-west 100 % for 10 min')
    const partial = loadScenarioFile(dashboardsPath('gamedays/idp-partial-outage.yaml'), refs)
    expect(blastRadiusText(partial)).toMatch(/^Touches up to 20 % of synthetic customer users in every region for 10 min .*real users are not touched/)
    expect(scenarioSummary(partial).steps[0].summary).toBe('idp idp_unavailable 20 % (synthetic customer users) for 10 min')
  })

  it.each([
    ['an unknown vendor', GOOD.replace('vendor: twilio\n    channel: sms\n    region: eu-west\n    share: 1', 'vendor: twillio\n    channel: sms\n    region: eu-west\n    share: 1'), /steps\[0\]\.vendor: unknown vendor "twillio"; registry vendors: twilio, vonage/],
    ['a vendor on a channel it does not serve', GOOD.replace('vendor: twilio\n    channel: sms\n    region: eu-west\n    share: 1', 'vendor: twilio\n    channel: email\n    region: eu-west\n    share: 1'), /steps\[0\]\.vendor: vendor "twilio" does not serve channel email/],
    ['an unknown SLO in a guardrail', GOOD.replace('slo: mfa-success', 'slo: mfa-sucess'), /guardrails\[0\]\.slo: unknown SLO "mfa-sucess"/],
    ['an unknown alert rule', GOOD.replace('alert: vendor-circuit-open', 'alert: vendor-circuit-opened'), /expectations\[2\]\.alert: unknown alert rule "vendor-circuit-opened"/],
    ['a step outside the blast radius regions', GOOD.replace('region: eu-west\n    start: 3m', 'region: us-east\n    start: 3m'), /steps\[1\]\.region: got us-east, outside the blast radius regions eu-west/],
    ['a duplicate step id', GOOD.replace('id: drain-twilio', 'id: twilio-sms-down'), /steps\[1\]\.id: duplicate step id "twilio-sms-down"/],
    ['an IdP error without a vendor', GOOD.replace('    vendor: twilio\n    channel: sms\n    region: eu-west\n    share: 1\n', '    channel: sms\n    region: eu-west\n    share: 1\n'), /steps\[0\]\.vendor: required for fault error/],
    ['a bad duration', GOOD.replace('duration: 10m', 'duration: ten minutes'), /steps\[0\]\.duration: expected a duration like 30s, 5m, 1h or 28d/],
    ['a fault kind the target does not have', GOOD.replace('fault: error', 'fault: outage'), /steps\[0\]\.fault: Invalid option/],
    ['a share above the blast radius', GOOD.replace('  share: 1\n  synthetic_only: false', '  share: 0.5\n  synthetic_only: false'), /steps\[0\]\.share: got 1, above the blast radius share 0.5/],
    ['an id that is not the file name', GOOD.replace('id: sms-primary-outage-eu-west', 'id: sms-outage'), /: id: got "sms-outage", expected the file name "sms-primary-outage-eu-west"/],
    ['an unknown field', GOOD.replace('pages: false', 'pages: false\npaging: true'), /\(root\): Unrecognized key: "paging"/],
    ['YAML that does not parse', 'steps: [', /invalid YAML/],
  ])('refuses %s, naming the file, the path and the reason', (_what, text, reason) => {
    const run = load(text)
    expect(run).toThrow(reason)
    expect(run).toThrow(/sms-primary-outage-eu-west\.yaml: /)
  })

  it('keeps the simulator fault kinds equal to the simulator\'s, and every step maps to a request its target accepts', () => {
    expect([...SIMULATOR_FAULT_KINDS]).toEqual([...FAULT_KINDS])
    for (const s of loadScenarios(dashboardsPath('gamedays'), refs)) {
      for (const st of s.steps) {
        if (st.target === 'idp') expect(IdpFaultRequest.safeParse({ kind: st.fault, vendor: st.vendor, channel: st.channel, region: st.region, share: st.share, latency_ms: st.latency_ms, duration_seconds: st.duration }).success).toBe(true)
        if (st.target === 'runbook') expect(RunbookActionRequest.safeParse({ action: st.action, vendor: st.vendor, channel: st.channel, region: st.region, factor: st.factor, instead_of: st.instead_of, duration_seconds: st.duration }).success).toBe(true)
        if (st.target === 'simulator') expect(FaultRequest.safeParse({ vendor: st.vendor, region: st.region, kind: st.fault, durationSeconds: st.duration }).success).toBe(true)
      }
    }
  })
})
