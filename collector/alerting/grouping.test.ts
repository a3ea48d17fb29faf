import { describe, expect, it } from 'vitest'
import { groupByRootCause, type GroupInput } from './grouping'
import { matches, mutedBy, type Mute } from './silences'

const a = (id: string, state: GroupInput['state'], severity: GroupInput['severity'], labels: Record<string, string>, value = 1, providerSensitive = false): GroupInput => ({ id, state, severity, labels, value, providerSensitive })

describe('grouping by root cause', () => {
  it('one vendor outage is one alert with the SLO alerts it touched linked', () => {
    const g = groupByRootCause([
      a('vendor-twilio-sms:burn-1h-5m:admin', 'firing', 'page', { vendor: 'twilio' }, 50),
      a('vendor-twilio-sms:burn-1h-5m:customer', 'firing', 'ticket', { vendor: 'twilio' }, 80),
      a('vendor-circuit-open:twilio', 'firing', 'ticket', { vendor: 'twilio' }),
      a('mfa-fallback:burn-1h-5m:admin', 'pending', 'page', {}, 20, true),
      a('mfa-success:burn-1h-5m:admin', 'firing', 'page', {}, 30, false),
      a('vendor-vonage-sms:burn-1h-5m:admin', 'inactive', 'page', { vendor: 'vonage' }),
    ])
    expect(g.get('vendor-twilio-sms:burn-1h-5m:admin')).toEqual({ group: 'vendor:twilio', groupedUnder: null, grouped: ['mfa-fallback:burn-1h-5m:admin', 'vendor-circuit-open:twilio', 'vendor-twilio-sms:burn-1h-5m:customer'] })
    expect(g.get('mfa-fallback:burn-1h-5m:admin')).toMatchObject({ group: 'vendor:twilio', groupedUnder: 'vendor-twilio-sms:burn-1h-5m:admin' })
    expect(g.get('mfa-success:burn-1h-5m:admin')).toEqual({ group: null, groupedUnder: null, grouped: [] })
    expect(g.get('vendor-vonage-sms:burn-1h-5m:admin')!.group).toBeNull()
  })

  it('the root stays the root while it fires (one notification per outage)', () => {
    const list = [a('spend', 'firing', 'page', { vendor: 'twilio' }, 0.6), a('burn', 'firing', 'page', { vendor: 'twilio' }, 300)]
    expect(groupByRootCause(list).get('burn')!.groupedUnder).toBeNull()
    expect(groupByRootCause(list, new Set(['spend'])).get('burn')!.groupedUnder).toBe('spend')
  })

  it('a root that does not name the vendor gives way to a firing page that does (seen under load: the page said no vendor)', () => {
    // Provider impact fired a cycle before the twilio SLO: it became the root of vendor:twilio.
    const first = [a('mfa-provider-impact:burn:workforce', 'firing', 'page', {}, 9, true), a('vendor-circuit-open:twilio', 'pending', 'ticket', { vendor: 'twilio' })]
    expect(groupByRootCause(first).get('mfa-provider-impact:burn:workforce')!.groupedUnder).toBeNull()
    const next = [...first, a('vendor-twilio-sms:burn:workforce', 'firing', 'page', { vendor: 'twilio' }, 500)]
    const g = groupByRootCause(next, new Set(['mfa-provider-impact:burn:workforce']))
    expect(g.get('vendor-twilio-sms:burn:workforce')!.groupedUnder).toBeNull()
    expect(g.get('mfa-provider-impact:burn:workforce')!.groupedUnder).toBe('vendor-twilio-sms:burn:workforce')
    // Firing together, the one naming the vendor is the root even with a lower value.
    const together = groupByRootCause([a('impact', 'firing', 'page', {}, 900, true), a('twilio', 'firing', 'page', { vendor: 'twilio' }, 2)])
    expect(together.get('twilio')!.groupedUnder).toBeNull()
    // A ticket naming the vendor does not take over from a firing page.
    const ticket = groupByRootCause([a('impact', 'firing', 'page', {}, 9, true), a('circuit', 'firing', 'ticket', { vendor: 'twilio' })], new Set(['impact']))
    expect(ticket.get('impact')!.groupedUnder).toBeNull()
  })
})

describe('silence matchers (Alertmanager semantics)', () => {
  it.each([
    [{ name: 'vendor', value: 'twilio', isRegex: false, isEqual: true }, true],
    [{ name: 'vendor', value: 'twil', isRegex: false, isEqual: true }, false],
    [{ name: 'vendor', value: 'twil.*', isRegex: true, isEqual: true }, true],
    [{ name: 'vendor', value: 'twil', isRegex: true, isEqual: true }, false],
    [{ name: 'vendor', value: 'twilio', isRegex: false, isEqual: false }, false],
    [{ name: 'gameday', value: '', isRegex: false, isEqual: true }, true],
  ])('%o → %s', (m, expected) => {
    expect(matches(m, { vendor: 'twilio', severity: 'page' })).toBe(expected)
  })
  it('only active mutes of the kind asked for apply', () => {
    const mute = (id: string, startsAt: number, endsAt: number, kind: Mute['kind'] = 'silence'): Mute => ({ id, kind, name: id, matchers: [{ name: 'vendor', value: 'twilio', isRegex: false, isEqual: true }], startsAt, endsAt, createdBy: 't', comment: '', source: 'api' })
    const mutes = [mute('now', 0, 100), mute('later', 50, 100), mute('gone', 0, 10), mute('mw', 0, 100, 'maintenance')]
    expect(mutedBy(mutes, { vendor: 'twilio' }, 20, 'silence')).toEqual(['now'])
    expect(mutedBy(mutes, { vendor: 'twilio' }, 20, 'maintenance')).toEqual(['mw'])
  })
})
