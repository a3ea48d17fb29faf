import { describe, expect, it } from 'vitest'
import { parseEventsRequest, parseMetricsRequest, parseOutcomesRequest, resolveWindow } from './params'

const NOW = Date.parse('2026-03-10T12:00:00Z')
const q = (s: string) => new URLSearchParams(s)

describe('resolveWindow', () => {
  it.each([
    ['defaults to the last hour', {}, { fromMs: NOW - 3_600_000, toMs: NOW, stepS: 30 }],
    ['from only ends now', { from: NOW - 600_000 }, { fromMs: NOW - 600_000, toMs: NOW, stepS: 10 }],
    ['to only starts an hour earlier', { to: NOW - 86_400_000 }, { fromMs: NOW - 90_000_000, toMs: NOW - 86_400_000, stepS: 30 }],
    ['explicit step kept', { from: NOW - 3_600_000, to: NOW, step: 300 }, { fromMs: NOW - 3_600_000, toMs: NOW, stepS: 300 }],
    ['exactly 2000 buckets allowed', { from: NOW - 20_000_000, to: NOW, step: 10 }, { fromMs: NOW - 20_000_000, toMs: NOW, stepS: 10 }],
  ])('%s', (_name, input, expected) => expect(resolveWindow(input, NOW)).toEqual({ ok: true, value: expected }))

  it.each([
    ['from after to', { from: NOW, to: NOW - 1 }, 'from'],
    ['from equals to', { from: NOW, to: NOW }, 'from'],
    ['over 90 days', { from: NOW - 91 * 86_400_000, to: NOW }, 'from'],
    ['2001 buckets', { from: NOW - 20_010_000, to: NOW, step: 10 }, 'step'],
  ])('%s is refused', (_name, input, parameter) => {
    const r = resolveWindow(input, NOW)
    expect(r.ok ? null : r.error.parameter).toBe(parameter)
  })
})

describe('parseMetricsRequest', () => {
  it('parses ids, window and filters', () => {
    expect(parseMetricsRequest(q('ids=m1, M2,M10,M1&from=2026-03-10T11:00:00Z&to=2026-03-10T12:00:00%2B00:00&step=30&factor=totp&provider=twilio&region=eu-west&user_group=admin&client=web'), NOW)).toEqual({
      ok: true,
      value: {
        ids: ['M1', 'M2', 'M10'],
        window: { fromMs: NOW - 3_600_000, toMs: NOW, stepS: 30 },
        filters: { factor: 'totp', provider: 'twilio', region: 'eu-west', user_group: 'admin', client: 'web' },
      },
    })
  })

  it.each([
    ['from=yesterday', 'from', "from: expected ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z), got 'yesterday'"],
    ['from=2026-03-10T11:00:00', 'from', "from: expected ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z), got '2026-03-10T11:00:00'"],
    ['to=2026-02-30T00:00:00Z', 'to', "to: expected ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z), got '2026-02-30T00:00:00Z'"],
    ['step=9', 'step', "step: expected an integer from 10 to 7776000, got '9'"],
    ['step=1.5', 'step', "step: expected an integer from 10 to 7776000, got '1.5'"],
    ['ids=', 'ids', "ids: unknown metric '', expected a comma-separated list of M1, M2, M3, M4, M5, M6, M7, M8, M9, M10"],
    ['ids=M1,SELECT', 'ids', "ids: unknown metric 'SELECT', expected a comma-separated list of M1, M2, M3, M4, M5, M6, M7, M8, M9, M10"],
    ['factor=password1', 'factor', "factor: expected one of password, totp, webauthn, sms, voice, email, push, recovery_code, admin_recovery, got 'password1'"],
    ['client=desktop', 'client', "client: expected one of web, ios, android, api, got 'desktop'"],
    ['region=eu west', 'region', "region: expected a label of letters, digits and _.:- (at most 64), got 'eu west'"],
    ['limit=10', 'limit', 'limit: unknown parameter, expected one of ids, from, to, step, factor, provider, region, user_group, client'],
    ['ids=M1&ids=M2', 'ids', 'ids: given more than once'],
  ])('%s → 400 naming the parameter', (query, parameter, message) => {
    expect(parseMetricsRequest(q(query), NOW)).toEqual({ ok: false, error: { parameter, message } })
  })
})

describe('parseEventsRequest and parseOutcomesRequest', () => {
  it('events: defaults and filters', () => {
    const r = parseEventsRequest(q('event=mfa.challenge.verified&outcome=failure&flow_id=abc-1&factor=sms'), NOW)
    expect(r).toEqual({
      ok: true,
      value: { window: { fromMs: NOW - 3_600_000, toMs: NOW, stepS: 7_776_000 }, filters: { factor: 'sms' }, event: 'mfa.challenge.verified', outcome: 'failure', flowId: 'abc-1', limit: 100 },
    })
  })

  it.each([
    ['limit=0', 'limit'], ['limit=1001', 'limit'], ['outcome=meh', 'outcome'], ['flow_id=a%20b', 'flow_id'], ['step=60', 'step'], ['event=mfa.login', 'event'],
  ])('events %s → 400 naming %s', (query, parameter) => {
    const r = parseEventsRequest(q(query), NOW)
    expect(r.ok ? null : r.error.parameter).toBe(parameter)
  })

  it('outcomes accepts window and filters only', () => {
    expect(parseOutcomesRequest(q('step=300&user_group=vendor'), NOW)).toEqual({ ok: true, value: { window: { fromMs: NOW - 3_600_000, toMs: NOW, stepS: 300 }, filters: { user_group: 'vendor' } } })
    const r = parseOutcomesRequest(q('ids=M1'), NOW)
    expect(r.ok ? null : r.error.parameter).toBe('ids')
  })
})
