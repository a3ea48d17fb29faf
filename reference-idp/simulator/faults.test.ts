import { describe, expect, it } from 'vitest'
import { FaultRequest, activeFor, makeFault } from './faults'

const NOW = Date.parse('2026-11-23T10:00:00Z')

describe('FaultRequest', () => {
  it.each([
    [{ kind: 'outage', durationSeconds: 10 }, 'vendor', /required/],
    [{ vendor: 'twillio', kind: 'outage', durationSeconds: 10 }, 'vendor', /unknown vendor "twillio".*twilio, vonage/],
    [{ vendor: 'twilio', kind: 'meltdown', durationSeconds: 10 }, 'kind', /expected one of outage/],
    [{ vendor: 'twilio', kind: 'outage' }, 'durationSeconds', /required/],
    [{ vendor: 'twilio', kind: 'outage', durationSeconds: 0 }, 'durationSeconds', /> 0/],
    [{ vendor: 'twilio', kind: 'error_rate', durationSeconds: 5 }, 'value', /required for kind error_rate/],
    [{ vendor: 'twilio', kind: 'error_rate', value: 1.5, durationSeconds: 5 }, 'value', /ratio between 0 and 1/],
    [{ vendor: 'twilio', kind: 'latency', value: -1, durationSeconds: 5 }, 'value', />= 0/],
    [{ vendor: 'twilio', region: 'ap-south', kind: 'outage', durationSeconds: 5 }, 'region', /does not serve region "ap-south"/],
    [{ vendor: 'twilio', kind: 'outage', durationSeconds: 5, extra: 1 }, '', /extra/],
  ])('%j → names %s', (input, field, message) => {
    const r = FaultRequest.safeParse(input)
    expect(r.success).toBe(false)
    if (r.success) return
    const issue = r.error.issues[0]
    expect(issue.path.join('.')).toBe(field)
    expect(issue.message + JSON.stringify(issue)).toMatch(message)
  })

  it('fills defaults: region *, delivery_loss 1, rate_limit 0', () => {
    const loss = makeFault(FaultRequest.parse({ vendor: 'ses', kind: 'delivery_loss', durationSeconds: 2 }), 'a', NOW)
    expect(loss).toMatchObject({ region: '*', value: 1, expiresAt: NOW + 2000 })
    expect(makeFault(FaultRequest.parse({ vendor: 'ses', kind: 'rate_limit', durationSeconds: 1 }), 'b', NOW).value).toBe(0)
  })
})

describe('activeFor', () => {
  const f = (vendor: string, region: string, createdAt: number, seconds: number) =>
    makeFault(FaultRequest.parse({ vendor, region, kind: 'outage', durationSeconds: seconds }), `${vendor}-${region}`, createdAt)
  const faults = [f('twilio', 'eu-west', NOW, 10), f('twilio', '*', NOW - 20_000, 10), f('vonage', '*', NOW, 10), f('twilio', 'us-east', NOW, 10)]

  it.each([
    ['twilio', 'eu-west', NOW + 5_000, ['twilio-eu-west']],
    ['twilio', 'us-east', NOW + 5_000, ['twilio-us-east']],
    ['twilio', 'eu-west', NOW + 10_000, []],
    ['twilio', 'eu-west', NOW - 15_000, ['twilio-*']],
    ['vonage', 'us-east', NOW, ['vonage-*']],
    ['ses', 'eu-west', NOW, []],
  ])('%s %s at +%d → %j', (vendor, region, at, ids) => {
    expect(activeFor(faults, vendor as string, region as string, at as number).map((x) => x.id)).toEqual(ids)
  })
})
