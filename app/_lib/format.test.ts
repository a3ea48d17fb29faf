import { describe, expect, it } from 'vitest'
import { formatAge, formatBudget, formatSpent, formatBurn, formatCompact, formatCount, formatDuration, formatMicros, formatMs, formatPercent, formatTargetMs, formatTargetPercent, humanize } from './format'

describe('formatPercent', () => {
  it.each([
    [0.975, '97.5%'],
    [0.5, '50.0%'],
    [0, '0.0%'],
    [0.995, '99.50%'],
    [0.99496, '99.49%'], // truncated: never shown as meeting a 99.5% target
    [0.99999, '99.99%'], // never rounded up to 100%
    [1, '100%'],
    [0.98999, '98.9%'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('%s → %s', (v, s) => expect(formatPercent(v)).toBe(s))
})

describe('formatMs', () => {
  it.each([
    [420, '420 ms'],
    [999.6, '1000 ms'],
    [1840, '1.84 s'],
    [3100, '3.10 s'],
    [65_000, '65.0 s'],
    [0.5, '0.50 ms'],
    [null, '—'],
    [undefined, '—'],
  ])('%s → %s', (v, s) => expect(formatMs(v)).toBe(s))
})

describe('counts', () => {
  it('groups thousands and compacts for axes', () => {
    expect(formatCount(12345)).toBe('12,345')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(null)).toBe('—')
    expect(formatCompact(12345)).toBe('12.3K')
    expect(formatCompact(950)).toBe('950')
  })
  it('humanizes ids', () => {
    expect(humanize('rate_limited')).toBe('Rate limited')
    expect(humanize('success')).toBe('Success')
    expect(humanize('totp')).toBe('TOTP')
    expect(humanize('webauthn')).toBe('WebAuthn')
  })
})

describe('targets', () => {
  it('read as written', () => {
    expect([formatTargetPercent(0.995), formatTargetPercent(0.9999), formatTargetMs(2000), formatTargetMs(3500), formatTargetMs(800)]).toEqual(['99.5%', '99.99%', '2 s', '3.5 s', '800 ms'])
  })
})

describe('formatMicros', () => {
  it.each([
    [43_090.9, '0.0431'], [100, '0.00010'], [1_250_000, '1.25'], [0, '0'], [null, '—'],
  ])('%s → %s', (v, s) => expect(formatMicros(v)).toBe(s))
})

describe('formatAge, formatBurn, formatBudget', () => {
  it.each([
    [45_000, '45 s'], [14 * 60_000, '14 min'], [125 * 60_000, '2 h 5 min'], [120 * 60_000, '2 h'], [3 * 86_400_000 + 3_600_000, '3 d 1 h'], [2 * 86_400_000, '2 d'], [-5, '0 s'],
  ])('formatAge(%s) = %s', (ms, s) => expect(formatAge(ms)).toBe(s))
  it.each([
    [16.24, '16.2×'], [0.38, '0.38×'], [1, '1×'], [6, '6×'], [1000, '1,000×'], [null, '—'],
  ])('formatBurn(%s) = %s', (r, s) => expect(formatBurn(r)).toBe(s))
  it.each([
    [0.5, '50.0%'], [0.0049, '0.4%'], [0.99999, '99.9%'], [1, '100.0%'], [0, '0.0%'], [-27.8, '−2,780%'], [-0.0001, '−1%'], [null, '—'],
  ])('formatBudget(%s) = %s', (r, s) => expect(formatBudget(r)).toBe(s))
})

describe('formatDuration', () => {
  it.each([[null, '—'], [45_000, '45.0 s'], [1_800_000, '30 min'], [9_000_000, '2 h 30 min'], [3 * 86_400_000, '3.0 d']])('%s → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('formatSpent', () => {
  it.each<[number | null, string]>([
    [0.123, '12.3%'],
    [0.9999, '99.9%'],
    [1, '100%'],
    [1.86, '186%'],
    [1094.737, '109,474%'],
    [null, '—'],
  ])('formatSpent(%s) = %s', (f, s) => expect(formatSpent(f)).toBe(s))
})
