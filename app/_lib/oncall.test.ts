import { describe, expect, it } from 'vitest'
import { alerts, metrics, providers } from '../../test/fixtures/alerting'
import { loadOncall, openRecovery } from './oncall'

const NOW = Date.parse('2026-12-06T20:00:00Z')

describe('openRecovery', () => {
  it.each([
    [{ requested: 7, approved: 3, completed: 2, denied: 1 }, 4],
    [{ requested: 1, completed: 2 }, 0],
    [{}, 0],
    // Regenerating codes is not a recovery request, nor is using one.
    [{ requested: 2, recovery_codes_regenerated: 9, recovery_code_used: 4 }, 2],
  ])('%j → %i open', (byReason, open) => expect(openRecovery(byReason).open).toBe(open))
})

describe('loadOncall', () => {
  it('reads alerts, M2/M5, providers and a week of M4, and builds the panels', async () => {
    const seen: URL[] = []
    const f = (async (input: URL) => {
      const u = new URL(String(input))
      seen.push(u)
      const p = u.searchParams
      const body =
        u.pathname === '/api/v1/alerts' ? alerts(NOW)
        : u.pathname === '/api/v1/providers' ? providers()
        : metrics(p.get('ids')!.split(','), Date.parse(p.get('from')!), Date.parse(p.get('to')!), Number(p.get('step')))
      return new Response(JSON.stringify(body), { status: 200 })
    }) as typeof fetch
    const v = await loadOncall(new URLSearchParams('range=1h'), { baseUrl: 'http://c.test', fetch: f }, new Date(NOW))
    expect(v.counts).toEqual({ firing: 1, pending: 1, page: 1, silenced: 0 })
    expect(v.providers.map((p) => `${p.provider}/${p.channel} ${p.status}`)).toEqual(['twilio/sms outage', 'vonage/sms ok', 'ses/email ok', 'fcm/push ok', 'apns/push idle'])
    expect(v.recovery).toEqual({ open: 4, requested: 7, closed: 3, lookbackDays: 7 })
    expect([v.errorRate.value, v.latency.p95, v.latency.p99]).toEqual([0.0412, 2350, 4100])
    const m4 = seen.find((u) => u.searchParams.get('ids') === 'M4')!
    expect(m4.searchParams.get('from')).toBe('2026-11-29T20:00:00.000Z')
  })
  it('a bad range is a 400 before the collector is asked', async () => {
    await expect(loadOncall(new URLSearchParams('range=2y'), { baseUrl: 'http://c.test', fetch: (() => { throw new Error('asked') }) as never }, new Date(NOW))).rejects.toMatchObject({ status: 400, parameter: 'range' })
  })
})
