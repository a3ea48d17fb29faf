import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration'

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5m', 90_000],
    ['250ms', 250],
    [' 2M ', 120_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it('forever means no limit', () => {
    expect(parseDuration('forever')).toBeNull()
  })

  it.each(['', '30', 'abc', '5 m', '-5s', '0s', '1d', 's', '1.s', 'Infinity'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration/)
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [42_900, '42s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
