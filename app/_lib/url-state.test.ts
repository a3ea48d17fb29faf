import { describe, expect, it } from 'vitest'
import { parseFilters } from './filters'
import { activeOption, readUrlState, toQuery, withCustom, withFilter, withPreset } from './url-state'

describe('URL state', () => {
  const s = readUrlState(new URLSearchParams('factor=totp&range=6h&junk=1'))

  it('keeps known keys in a stable order', () => {
    expect(toQuery(s)).toBe('range=6h&factor=totp')
    expect(activeOption(s)).toBe('6h')
  })
  it('switching to a preset drops from/to; custom drops range', () => {
    const custom = withCustom(s, new Date('2025-03-10T10:00:00Z'), new Date('2025-03-10T11:00:00Z'))
    expect(toQuery(custom)).toBe('from=2025-03-10T10%3A00%3A00.000Z&to=2025-03-10T11%3A00%3A00.000Z&factor=totp')
    expect(activeOption(custom)).toBe('custom')
    expect(toQuery(withPreset(custom, '15m'))).toBe('range=15m&factor=totp')
  })
  it('an empty filter value removes the key', () => {
    expect(toQuery(withFilter(s, 'user_group', 'admin'))).toBe('range=6h&factor=totp&user_group=admin')
    expect(toQuery(withFilter(s, 'factor', ''))).toBe('range=6h')
  })
  it('selects the default preset when no range is given, and none for an unknown one', () => {
    expect(activeOption(readUrlState(new URLSearchParams('range=2h')))).toBeNull()
    expect(activeOption({})).toBe('1h')
  })
})

describe('parseFilters', () => {
  it.each([
    ['factor=totp&user_group=admin', { ok: true, value: { factor: 'totp', user_group: 'admin' } }],
    ['factor=&provider=twilio-eu&region=eu-west', { ok: true, value: { provider: 'twilio-eu', region: 'eu-west' } }],
  ])('accepts %s', (q, expected) => expect(parseFilters(new URLSearchParams(q))).toEqual(expected))

  it.each([
    ['factor=carrier_pigeon', 'factor', 'invalid factor: got "carrier_pigeon", expected one of password, totp'],
    ['user_group=root', 'user_group', 'expected one of admin, workforce, customer, vendor'],
    ['provider=a%20b', 'provider', 'invalid provider: got "a b"'],
  ])('rejects %s', (q, parameter, message) => {
    const r = parseFilters(new URLSearchParams(q))
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.parameter).toBe(parameter)
      expect(r.error.message).toContain(message)
    }
  })
})
