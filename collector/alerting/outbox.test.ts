import { describe, expect, it } from 'vitest'
import type { AlertStatus } from '../../contract'
import { webhookPayload } from './notify'
import { outbox, type Sent } from './outbox'

const T = Date.parse('2026-12-06T12:00:00Z')
function alert(id: string, over: Partial<AlertStatus> = {}): AlertStatus {
  return {
    id, rule_id: id, alertname: 'SLOBurnRateHigh', kind: 'burn_rate', severity: 'page', state: 'firing', since: new Date(T - 60_000).toISOString(), for_seconds: 60, slo: 'vendor-twilio-sms',
    labels: { alertname: 'SLOBurnRateHigh', severity: 'page', slo: 'vendor-twilio-sms', vendor: 'twilio', channel: 'sms', user_group: 'admin' },
    annotations: { summary: 's', description: 'd', runbook_url: 'http://c/api/v1/runbooks/provider-failover' }, runbook: 'provider-failover', reason: 'r', value: 20,
    group: 'vendor:twilio', grouped_under: null, grouped: [], silenced_by: [], in_maintenance: [], last_evaluated: new Date(T).toISOString(), ...over,
  }
}
const opts = { intervalS: 30, generatorURL: (a: AlertStatus) => `http://c/api/v1/alerts?id=${a.id}` }

describe('outbox', () => {
  it('a firing root goes to Alertmanager every cycle with endsAt four cycles ahead, to webhooks once', () => {
    const first = outbox([alert('root', { grouped: ['child'] }), alert('child', { grouped_under: 'root' })], new Map(), T, opts)
    expect(first.alertmanager).toEqual([{
      labels: alert('root').labels, annotations: { ...alert('root').annotations, related: 'child' },
      startsAt: new Date(T - 60_000).toISOString(), endsAt: new Date(T + 120_000).toISOString(), generatorURL: 'http://c/api/v1/alerts?id=root',
    }])
    expect(first.changes).toHaveLength(1)
    const second = outbox([alert('root')], first.sent, T + 30_000, opts)
    expect([second.alertmanager.length, second.changes.length]).toEqual([1, 0])
  })

  it('resolution is sent once with endsAt = now; a silenced or pending alert is not sent', () => {
    const prev = new Map<string, Sent>([['root', { alert: outbox([alert('root')], new Map(), T, opts).alertmanager[0], firstSent: T }]])
    const resolved = outbox([alert('root', { state: 'resolved' })], prev, T + 30_000, opts)
    expect(resolved.alertmanager.map((a) => a.endsAt)).toEqual([new Date(T + 30_000).toISOString()])
    expect(resolved.changes).toHaveLength(1)
    expect(outbox([alert('root', { state: 'resolved' })], resolved.sent, T + 60_000, opts).alertmanager).toEqual([])
    const silenced = outbox([alert('root', { silenced_by: ['s1'] })], prev, T + 30_000, opts)
    expect([silenced.alertmanager, silenced.changes, silenced.sent.size]).toEqual([[], [], 0])
    expect(outbox([alert('root', { state: 'pending' }), alert('mw', { in_maintenance: ['m1'] })], new Map(), T, opts).alertmanager).toEqual([])
  })

  it('webhook payload version 4', () => {
    const firing = outbox([alert('root')], new Map(), T, opts).alertmanager
    const p = webhookPayload(firing, T, 'http://c') as Record<string, unknown>
    expect(p).toMatchObject({ version: '4', status: 'firing', receiver: 'factorwatch', groupLabels: { alertname: 'SLOBurnRateHigh' }, commonLabels: { vendor: 'twilio' }, externalURL: 'http://c', truncatedAlerts: 0 })
    expect((p.alerts as Array<{ status: string; fingerprint: string }>)[0]).toMatchObject({ status: 'firing', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) })
    expect((webhookPayload([{ ...firing[0], endsAt: new Date(T).toISOString() }], T, 'http://c') as { status: string }).status).toBe('resolved')
  })
})
