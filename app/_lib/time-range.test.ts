import { describe, expect, it } from 'vitest'
import { describeRange, parseRange, resolveWindow } from './time-range'

const now = new Date('2025-03-10T12:00:30.500Z')
const params = (q: string) => new URLSearchParams(q)

describe('parseRange', () => {
  it.each([
    ['', { kind: 'preset', preset: '1h' }],
    ['range=15m', { kind: 'preset', preset: '15m' }],
    ['range=7d', { kind: 'preset', preset: '7d' }],
    ['from=2025-03-10T10:00:00Z&to=2025-03-10T11:00:00Z', { kind: 'custom', from: new Date('2025-03-10T10:00:00Z'), to: new Date('2025-03-10T11:00:00Z') }],
    ['from=2025-03-10T10:00:00.000%2B01:00&to=2025-03-10T11:30:00Z', { kind: 'custom', from: new Date('2025-03-10T09:00:00Z'), to: new Date('2025-03-10T11:30:00Z') }],
  ])('accepts %s', (q, expected) => {
    expect(parseRange(params(q), now)).toEqual({ ok: true, value: expected })
  })

  it.each([
    ['range=2h', 'range', 'invalid range: got "2h", expected one of 15m, 1h, 6h, 24h, 7d'],
    ['range=1h&from=2025-03-10T10:00:00Z&to=2025-03-10T11:00:00Z', 'range', 'give either range or from/to, not both'],
    ['from=2025-03-10T10:00:00Z', 'to', 'missing to: from was given, expected both from and to'],
    ['to=2025-03-10T10:00:00Z', 'from', 'missing from: to was given, expected both from and to'],
    ['from=yesterday&to=2025-03-10T10:00:00Z', 'from', 'invalid from: got "yesterday", expected an ISO 8601 timestamp with a zone, e.g. 2025-01-31T12:00:00Z'],
    ['from=2025-03-10T10:00:00&to=2025-03-10T11:00:00Z', 'from', 'expected an ISO 8601 timestamp with a zone'],
    ['from=2025-02-30T10:00:00Z&to=2025-03-10T11:00:00Z', 'from', 'not a real date'],
    ['from=2025-03-10T11:00:00Z&to=2025-03-10T11:00:00Z', 'to', 'is not after from'],
    ['from=2024-01-01T00:00:00Z&to=2025-03-10T11:00:00Z', 'from', 'range too long: got 434 days, at most 90 days'],
    ['from=2025-03-10T11:00:00Z&to=2025-03-11T11:00:00Z', 'to', 'is in the future'],
  ])('rejects %s naming %s', (q, parameter, message) => {
    const r = parseRange(params(q), now)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.parameter).toBe(parameter)
    expect(r.error.message).toContain(message)
  })
})

describe('resolveWindow', () => {
  it('ends a preset at now (whole seconds) and spans exactly the preset', () => {
    const w = resolveWindow({ kind: 'preset', preset: '6h' }, now)
    expect(w.to.toISOString()).toBe('2025-03-10T12:00:30.000Z')
    expect(w.from.toISOString()).toBe('2025-03-10T06:00:30.000Z')
    expect(w.step).toBe(300)
  })
  it('keeps a custom window as given', () => {
    const from = new Date('2025-03-09T00:00:00Z')
    const to = new Date('2025-03-10T00:00:00Z')
    expect(resolveWindow({ kind: 'custom', from, to }, now)).toEqual({ from, to, step: 900 })
  })
})

describe('describeRange', () => {
  it('labels presets and custom windows', () => {
    expect(describeRange({ kind: 'preset', preset: '24h' })).toBe('Last 24 hours')
    expect(describeRange({ kind: 'custom', from: new Date('2025-03-09T08:00:00Z'), to: new Date('2025-03-09T09:30:00Z') })).toBe('2025-03-09 08:00 – 2025-03-09 09:30 UTC')
  })
})
