import { PHISHING_RESISTANT_FACTORS, REASONS } from '../../contract'
import { M5_SPLIT_ORDER } from '../../contract/query'
import { FILTER_KEYS, type AnyMetricDef, type MetricContext, type MetricResults, type Row, type SqlQuery } from './types'
import { EVENTS_ANY_COPY, bucket, ctxParams, filterSql, lit, num } from './sql'
import { fillSeries, ratio, sum } from './series'

/** Counts of one event per bucket and reason (M4 recovery, M7 bypass). */
export function reasonCountsSql(ctx: MetricContext, event: 'mfa.recovery' | 'mfa.bypass'): SqlQuery {
  const s = ctx.source
  const query = `
SELECT ${s.bucket} AS t, reason, ${s.countIf('1')} AS n
FROM ${s.from}
WHERE event = ${lit(event)} AND ${s.window} AND ${filterSql(ctx.filters, FILTER_KEYS)}
GROUP BY t, reason ORDER BY t, reason`
  return { query, params: ctxParams(ctx) }
}

/**
 * Reasons reported in by_reason but left out of value and series: regenerating recovery codes
 * is an account-hygiene step taken while signed in, not a recovery of a lost factor, so it must
 * neither inflate M4 nor the recovery SLO.
 */
export const NOT_COUNTED: Record<'mfa.recovery' | 'mfa.bypass', readonly string[]> = {
  'mfa.recovery': ['recovery_codes_regenerated'],
  'mfa.bypass': [],
}

export function shapeReasonCounts(rows: Row[], ctx: MetricContext, event: 'mfa.recovery' | 'mfa.bypass'): MetricResults['M4' | 'M7'] {
  const byReason: Record<string, number> = Object.fromEntries(REASONS[event].map((r) => [r, 0]))
  for (const r of rows) {
    const key = String(r.reason) || 'unspecified'
    byReason[key] = (byReason[key] ?? 0) + num(r.n)
  }
  const counted = rows.filter((r) => !NOT_COUNTED[event].includes(String(r.reason)))
  return { value: sum(counted, 'n'), series: fillSeries(ctx.window, counted, (b) => [sum(b, 'n')]), by_reason: byReason }
}

/** M5 classes of a failed verification; the first matching class wins. */
export const ERROR_CLASSES = {
  system_error: { outcomes: ['error', 'timeout'], reasons: ['provider_error', 'internal_error'] },
  brute_force: { outcomes: ['rate_limited', 'locked_out'], reasons: ['too_many_attempts', 'locked_out', 'rate_limited'] },
  user_error: { outcomes: ['failure', 'expired', 'replayed'], reasons: [] },
} as const satisfies Record<(typeof M5_SPLIT_ORDER)[number], { outcomes: readonly string[]; reasons: readonly string[] }>
type ErrorClass = keyof typeof ERROR_CLASSES
const CLASS_NAMES = M5_SPLIT_ORDER
const byClass = <T>(f: (c: ErrorClass) => T): Record<ErrorClass, T> => ({ system_error: f('system_error'), brute_force: f('brute_force'), user_error: f('user_error') })

export function m5Sql(ctx: MetricContext): SqlQuery {
  const cond = (c: ErrorClass) => {
    const { outcomes, reasons } = ERROR_CLASSES[c]
    const parts = [`outcome IN (${outcomes.map(lit).join(', ')})`]
    if (reasons.length > 0) parts.push(`reason IN (${(reasons as readonly string[]).map(lit).join(', ')})`)
    return parts.join(' OR ')
  }
  const cls = `multiIf(outcome = 'success', '', ${CLASS_NAMES.map((c) => `${cond(c)}, ${lit(c)}`).join(', ')}, '')`
  const s = ctx.source
  const query = `
SELECT ${s.bucket} AS t,
  ${s.countIf("event = 'mfa.challenge.verified'")} AS attempts,
  ${CLASS_NAMES.map((c) => `${s.countIf(`event = 'mfa.challenge.verified' AND ${cls} = ${lit(c)}`)} AS ${c}`).join(',\n  ')},
  ${s.countIf("event = 'mfa.lockout' AND reason != 'unlocked'")} AS lockouts
FROM ${s.from}
WHERE event IN ('mfa.challenge.verified', 'mfa.lockout') AND ${s.window} AND ${filterSql(ctx.filters, FILTER_KEYS)}
GROUP BY t ORDER BY t`
  return { query, params: ctxParams(ctx) }
}

export function shapeM5(rows: Row[], ctx: MetricContext): MetricResults['M5'] {
  const attempts = sum(rows, 'attempts')
  const errors = (b: Row[]) => CLASS_NAMES.reduce((a, c) => a + sum(b, c), 0)
  return {
    value: ratio(errors(rows), attempts),
    series: fillSeries(ctx.window, rows, (b) => [ratio(errors(b), sum(b, 'attempts'))]),
    series_split: fillSeries(ctx.window, rows, (b) => {
      const rates = byClass((c) => ratio(sum(b, c), sum(b, 'attempts')))
      return [rates.system_error, rates.brute_force, rates.user_error] as [number | null, number | null, number | null]
    }),
    split_order: [...CLASS_NAMES],
    attempts,
    ...byClass((c) => sum(rows, c)),
    rates: byClass((c) => ratio(sum(rows, c), attempts)),
    lockouts: sum(rows, 'lockouts'),
  }
}

/** M8 reads snapshots up to this far before `from`, so a short window still has a latest one. */
export const SNAPSHOT_LOOKBACK_MS = 30 * 24 * 3600 * 1000
const M8_FILTERS = ['user_group', 'factor'] as const

export function m8Sql(ctx: MetricContext): SqlQuery {
  const query = `
SELECT ${bucket('ts')} AS t, grouping(t) AS whole, user_group, factor,
  argMax(enrolled_count, ts) AS enrolled, argMax(total_count, ts) AS total
FROM ${EVENTS_ANY_COPY}
WHERE event = 'mfa.enrollment.snapshot' AND factor != 'password'
  AND ts >= fromUnixTimestamp64Milli({lookback_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
  AND ${filterSql(ctx.filters, M8_FILTERS)}
GROUP BY GROUPING SETS ((t, user_group, factor), (user_group, factor))
ORDER BY t, user_group, factor`
  return { query, params: ctxParams(ctx, { lookback_from_ms: ctx.window.fromMs - SNAPSHOT_LOOKBACK_MS }) }
}

interface Coverage { coverage: number | null; phishing_resistant_share: number | null; total: number }

/**
 * Per-factor snapshots cannot tell how factors overlap, so "enrolled in any factor" is bounded
 * below by the best-covered factor of each group.
 */
function coverage(rows: Row[]): Coverage & { groups: Record<string, Coverage & { factors: Record<string, { enrolled: number; coverage: number | null }> }> } {
  const groups: Record<string, Coverage & { factors: Record<string, { enrolled: number; coverage: number | null }>; best: number; pr: number }> = {}
  for (const r of rows) {
    const g = (groups[String(r.user_group) || 'unspecified'] ??= { coverage: null, phishing_resistant_share: null, total: 0, factors: {}, best: 0, pr: 0 })
    const enrolled = num(r.enrolled)
    g.total = Math.max(g.total, num(r.total))
    g.factors[String(r.factor)] = { enrolled, coverage: ratio(enrolled, num(r.total)) }
    g.best = Math.max(g.best, enrolled)
    if ((PHISHING_RESISTANT_FACTORS as readonly string[]).includes(String(r.factor))) g.pr = Math.max(g.pr, enrolled)
  }
  let total = 0, best = 0, pr = 0
  const out: Record<string, Coverage & { factors: Record<string, { enrolled: number; coverage: number | null }> }> = {}
  for (const [name, g] of Object.entries(groups)) {
    total += g.total
    best += g.best
    pr += g.pr
    out[name] = { total: g.total, coverage: ratio(g.best, g.total), phishing_resistant_share: ratio(g.pr, g.total), factors: g.factors }
  }
  return { total, coverage: ratio(best, total), phishing_resistant_share: ratio(pr, total), groups: out }
}

export function shapeM8(rows: Row[], ctx: MetricContext): MetricResults['M8'] {
  const latest = coverage(rows.filter((r) => num(r.whole) === 1))
  const inWindow = rows.filter((r) => num(r.whole) !== 1)
  return {
    value: latest.coverage,
    series: fillSeries(ctx.window, inWindow, (b) => [b.length === 0 ? null : coverage(b).coverage]),
    phishing_resistant_share: latest.phishing_resistant_share,
    accounts: latest.total,
    by_group: latest.groups,
  }
}

export const COUNT_METRICS: AnyMetricDef[] = [
  {
    id: 'M4',
    title: 'Recovery requests, approvals, completions',
    unit: 'count',
    description: 'Count of mfa.recovery events in the window (value, series per bucket) and by_reason (requested, approved, denied, completed, …). recovery_codes_regenerated is listed in by_reason but not counted: regenerating codes is not a recovery.',
    filters: FILTER_KEYS,
    rollups: true,
    sql: (ctx) => reasonCountsSql(ctx, 'mfa.recovery'),
    shape: (rows, ctx) => shapeReasonCounts(rows, ctx, 'mfa.recovery'),
  },
  {
    id: 'M5',
    title: 'Second-factor error rate',
    unit: 'ratio',
    description:
      'Failed mfa.challenge.verified / all mfa.challenge.verified, split: system_error (outcome error/timeout or reason provider_error/internal_error), brute_force (outcome rate_limited/locked_out or reason too_many_attempts/locked_out/rate_limited), user_error (failure/expired/replayed). series_split is [ts, rates in split_order]; lockouts counts mfa.lockout events other than unlocks.',
    filters: FILTER_KEYS,
    rollups: true,
    sql: m5Sql,
    shape: shapeM5,
  },
  {
    id: 'M7',
    title: 'MFA bypass events',
    unit: 'count',
    description: 'Count of mfa.bypass events (value, series) and by_reason: trusted_device, policy_exempt, admin_override, break_glass.',
    filters: FILTER_KEYS,
    rollups: true,
    sql: (ctx) => reasonCountsSql(ctx, 'mfa.bypass'),
    shape: (rows, ctx) => shapeReasonCounts(rows, ctx, 'mfa.bypass'),
  },
  {
    id: 'M8',
    title: 'Enrollment coverage',
    unit: 'ratio',
    description:
      'From the latest mfa.enrollment.snapshot per (user_group, factor) before `to` (looking back 30 days before `from`): coverage = Σ groups max over second factors of enrolled / Σ groups total (a lower bound: per-factor counts hide overlap); phishing_resistant_share the same over phishing-resistant factors (webauthn). by_group has per-factor coverage; series uses snapshots taken in each bucket. Only the user_group and factor filters apply.',
    filters: M8_FILTERS,
    rollups: false,
    sql: m8Sql,
    shape: shapeM8,
  },
]
