import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadRuleSet } from '../load'
import { promSli } from './prometheus'
import { renderGrafana, renderPrometheus } from './render'

// Golden files: regenerate with UPDATE_GOLDEN=1 npx vitest run collector/alerting/export/export.test.ts
const golden = (name: string, text: string) => {
  const url = new URL(`./golden/${name}`, import.meta.url)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(url, text)
  expect(text).toBe(readFileSync(url, 'utf8'))
}
const set = loadRuleSet()

describe('Prometheus export', () => {
  const out = renderPrometheus(set)
  it('matches the golden file', () => {
    for (const [name, text] of Object.entries(out.files)) golden(name, text)
  })
  it('pages at 14.4× over 1h and 5m on the twilio SLA (99.95 %), from the IdP counters', () => {
    const file = parse(out.files['factorwatch-slo-rules.yaml'])
    const twilio = file.groups.find((g: { name: string }) => g.name === 'slo-vendor-twilio-sms').rules
    expect(twilio.find((r: { record?: string }) => r.record === 'slo:sli_error:ratio_rate5m').expr).toBe(
      'sum(increase(idp_provider_requests_total{provider="twilio",channel="sms",outcome="error"}[5m])) / sum(increase(idp_provider_requests_total{provider="twilio",channel="sms"}[5m]))',
    )
    expect(twilio.find((r: { alert?: string; labels?: { window: string } }) => r.alert === 'SLOBurnRateHigh' && r.labels?.window === '1h-5m')).toMatchObject({
      expr: 'slo:sli_error:ratio_rate1h{slo="vendor-twilio-sms"} > (14.4 * 0.0005) and slo:sli_error:ratio_rate5m{slo="vendor-twilio-sms"} > (14.4 * 0.0005)',
      labels: { severity: 'page', slo: 'vendor-twilio-sms', vendor: 'twilio', channel: 'sms' },
    })
  })
  it('measures a 3 s latency objective at the 2 s bucket and says so; skips what no metric carries', () => {
    const push = promSli(set.slos.find((s) => s.id === 'push-latency')!)
    expect('note' in push && push.note).toBe('threshold 3000 ms measured at the 2 s bucket (stricter)')
    expect(out.files['factorwatch-slo-rules.yaml']).toContain('# not exported: mfa-recovery: no IdP metric carries mfa.recovery')
  })
})

describe('Grafana export', () => {
  const files = renderGrafana(set)
  it('matches the golden files', () => {
    for (const [name, text] of Object.entries(files)) golden(name, text)
  })
  it('reads the ClickHouse data source through a dashboard input', () => {
    const d = JSON.parse(files['factorwatch-slos.json'])
    expect(d.__inputs[0]).toMatchObject({ name: 'DS_CLICKHOUSE', pluginId: 'grafana-clickhouse-datasource' })
    expect(d.panels.length).toBe(2 * set.slos.filter((s) => s.kind !== 'coverage').length)
    expect(d.panels[1].targets[0].rawSql).toMatch(/^SELECT \$__timeInterval\(ts\) AS time, 1 - countIf\(/)
  })
})
