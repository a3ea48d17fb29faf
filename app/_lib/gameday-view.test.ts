import { describe, expect, it } from 'vitest'
import type { GameDayStep } from '../../contract/gameday'
import { drillBands } from './drill-bands'
import { elapsed, formatClock, formatReading, formatSeconds, readingStatus, safeHref, stepCounts } from './gameday-view'

const T = Date.parse('2026-12-06T10:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

describe('game day view helpers', () => {
  it.each([
    [0, '0:00'], [999, '0:00'], [75_000, '1:15'], [600_000, '10:00'], [3_725_000, '1:02:05'], [-5_000, '0:00'],
  ])('formatClock(%i) = %s', (ms, text) => expect(formatClock(ms)).toBe(text))

  it.each([
    [null, 'not seen'], [42, '42 s'], [42.4, '42 s'], [60, '1 min'], [95, '1 min 35 s'],
  ])('formatSeconds(%s) = %s', (s, text) => expect(formatSeconds(s)).toBe(text))

  it('elapsed counts from the start to now, or to the end once ended; null before it started', () => {
    const g = { starts_at: iso(T), ends_at: iso(T + 300_000), started_at: iso(T + 1_000), ended_at: null }
    expect(elapsed(g, T + 61_000)).toEqual({ elapsedMs: 60_000, plannedMs: 300_000 })
    expect(elapsed({ ...g, ended_at: iso(T + 121_000) }, T + 999_000).elapsedMs).toBe(120_000)
    expect(elapsed({ ...g, started_at: null }, T).elapsedMs).toBeNull()
  })

  it('stepCounts counts each state', () => {
    const step = (state: GameDayStep['state']) => ({ state }) as GameDayStep
    expect(stepCounts([step('applied'), step('reverted'), step('reverted'), step('pending'), step('failed')])).toEqual({ total: 5, applied: 1, reverted: 2, pending: 1, failed: 1 })
  })

  it('readings: tripped wins, no value is no data; numbers keep three significant digits', () => {
    const r = { id: 'g', description: '', threshold: 14.4, at: null }
    expect(readingStatus({ ...r, value: 20, tripped: true })).toBe('tripped')
    expect(readingStatus({ ...r, value: null, tripped: false })).toBe('no_data')
    expect(readingStatus({ ...r, value: 2, tripped: false })).toBe('ok')
    expect([formatReading(null), formatReading(3), formatReading(0.99512), formatReading(16.2345)]).toEqual(['—', '3', '0.995', '16.2'])
  })

  it('safeHref keeps console paths and http(s), drops script and protocol-relative links', () => {
    expect(safeHref('/oncall?from=a&to=b')).toBe('/oncall?from=a&to=b')
    expect(safeHref('https://grafana.example/d/x')).toBe('https://grafana.example/d/x')
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(safeHref('//evil.example/')).toBeNull()
    expect(safeHref('data:text/html,x')).toBeNull()
  })
})

describe('drillBands', () => {
  const a = (id: string, start: number, end: number | null) => ({ gameday_id: id, scenario: 's', name: `drill ${id}`, start: iso(start), end: end === null ? null : iso(end), state: end === null ? ('running' as const) : ('completed' as const) })
  const from = T
  const to = T + 3_600_000

  it('clips to the chart, runs an open drill to now, drops drills outside, orders by start', () => {
    const bands = drillBands([a('late', T + 1_800_000, null), a('early', T - 600_000, T + 300_000), a('before', T - 900_000, T - 600_000), a('after', to + 1, to + 60_000)], from, to, T + 2_000_000)
    expect(bands).toEqual([
      { id: 'early', name: 'drill early', x1: from, x2: T + 300_000, running: false },
      { id: 'late', name: 'drill late', x1: T + 1_800_000, x2: T + 2_000_000, running: true },
    ])
  })

  it('an open drill that started after now (clock skew) or ended before it started draws nothing', () => {
    expect(drillBands([a('x', T + 60_000, null)], from, to, T + 30_000)).toEqual([])
    expect(drillBands([a('y', T + 60_000, T + 30_000)], from, to, to)).toEqual([])
  })
})
