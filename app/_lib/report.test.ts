import { describe, expect, it } from 'vitest'
import { csvField, reportPeriod } from './report'
import { sloState } from './security'

const NOW = new Date('2026-12-06T20:30:00Z')
const params = (q: string) => new URLSearchParams(q)

describe('csvField', () => {
  it.each([
    [null, ''], [42, '42'], ['plain', 'plain'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'], ['+1', "'+1"], ['-2', "'-2"], ['@cmd', "'@cmd"],
  ])('%s → %s', (v, out) => expect(csvField(v as string | number | null)).toBe(out))
  it('a negative number stays a number', () => expect(csvField(-3)).toBe('-3'))
})

describe('reportPeriod', () => {
  it('a calendar month in UTC', () => {
    expect(reportPeriod(params('month=2026-11'), NOW)).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', label: expect.stringContaining('November 2026') })
  })
  it('this month so far by default', () => {
    expect(reportPeriod(params(''), NOW)).toMatchObject({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-06T20:30:00.000Z' })
  })
  it('the Security page range', () => {
    expect(reportPeriod(params('range=7d'), NOW)).toMatchObject({ from: '2026-11-29T20:30:00.000Z', to: '2026-12-06T20:30:00.000Z' })
  })
  it.each(['2026-13', '2026-1', 'last'])('month=%s is refused naming month', (m) => {
    expect(() => reportPeriod(params(`month=${m}`), NOW)).toThrow(expect.objectContaining({ parameter: 'month', status: 400 }))
  })
})

describe('sloState', () => {
  it.each([
    [null, [], 'no_data'], [-0.1, [], 'breached'], [0.1, [], 'at_risk'], [0.9, ['burn-fast'], 'at_risk'], [0.9, [], 'met'],
  ] as const)('budget %s, firing %j → %s', (budget, firing, state) => {
    expect(sloState({ budget_remaining: budget, firing_alerts: [...firing] })).toBe(state)
  })
})
