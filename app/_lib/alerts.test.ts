import { describe, expect, it } from 'vitest'
import { alerts, history, silences } from '../../test/fixtures/alerting'
import { activeAlerts, buildAlerts, timelineLanes } from './alerts'

const NOW = Date.parse('2026-12-06T20:00:00Z')
const MIN = 60_000

describe('activeAlerts', () => {
  it('lists firing then pending, pages first, and folds grouped alerts under their root cause', () => {
    const a = activeAlerts(alerts(NOW).alerts)
    expect(a.map((x) => `${x.state} ${x.severity} ${x.alertname}`)).toEqual(['firing page VendorCircuitOpen', 'pending ticket PushLatencyHigh'])
    expect(a[0].grouped).toEqual(['slo-mfa-success:page-1h-5m'])
    expect(a[0].runbook).toBe('provider-failover')
  })
})

describe('timelineLanes', () => {
  const all = alerts(NOW).alerts
  const lanes = timelineLanes(history(NOW).transitions, all, { from: NOW - 24 * 60 * MIN, to: NOW })
  const lane = (id: string) => lanes.find((l) => l.alertId === id)!
  it('splits the window at each transition', () => {
    expect(lane('vendor-twilio-sms-down').segments.map((s) => [s.state, (NOW - s.from) / MIN])).toEqual([['inactive', 1440], ['pending', 19], ['firing', 17]])
    expect(lane('break-glass').segments.map((s) => s.state)).toEqual(['inactive', 'pending', 'firing', 'resolved'])
  })
  it('leaves out alerts inactive the whole window, keeps the rest with their state', () => {
    expect(lanes.some((l) => l.alertId === 'lockout-spike')).toBe(false)
    expect(lanes[0].severity).toBe('page')
  })
  it('an alert with no transition in the window holds its current state throughout', () => {
    const l = timelineLanes([], all, { from: NOW - 10 * MIN, to: NOW }).find((x) => x.alertId === 'vendor-twilio-sms-down')!
    expect(l.segments).toEqual([{ from: NOW - 10 * MIN, to: NOW, state: 'firing' }])
  })
  it('ignores transitions outside the window and out of order input', () => {
    const shuffled = [...history(NOW).transitions].reverse()
    const l = timelineLanes(shuffled, all, { from: NOW - 18 * MIN, to: NOW }).find((x) => x.alertId === 'vendor-twilio-sms-down')!
    expect(l.segments.map((s) => s.state)).toEqual(['pending', 'firing'])
  })
})

describe('buildAlerts', () => {
  it('counts states, sorts history newest first and active silences first', () => {
    const v = buildAlerts({ from: new Date(NOW - 86_400_000), to: new Date(NOW), step: 900 }, alerts(NOW), history(NOW), silences(NOW), new Date(NOW))
    expect(v.counts).toEqual({ firing: 2, pending: 1, resolved: 1, inactive: 1 })
    expect(v.rules[0].id).toBe('vendor-twilio-sms-down')
    expect(v.history[0].alertname).toBe('PushLatencyHigh')
    expect(v.silences.map((s) => s.state)).toEqual(['active', 'expired'])
  })
})
