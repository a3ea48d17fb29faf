import type { OutcomesRequest } from './params'
import type { Row, SqlQuery } from './types'
import { baseParams, filterSql, num } from './sql'
import { type Source, chooseSource } from './source'
import { FILTER_KEYS } from './types'
import { fillSeries } from './series'

export const OUTCOME_EVENTS = { logins: 'mfa.login.completed', verifications: 'mfa.challenge.verified' } as const

export function outcomesSql(req: OutcomesRequest, s: Source = chooseSource(req.window)): SqlQuery {
  const query = `
SELECT ${s.bucket} AS t, event, if(outcome = '', 'unspecified', outcome) AS label, ${s.countIf('1')} AS n
FROM ${s.from}
WHERE event IN ('mfa.login.completed', 'mfa.challenge.verified') AND ${s.window} AND ${filterSql(req.filters, FILTER_KEYS)}
GROUP BY t, event, label ORDER BY t, event, label`
  return { query, params: baseParams(req.window, req.filters) }
}

export interface OutcomeCounts {
  totals: Record<string, number>
  series: Array<[number, Record<string, number>]>
}

function counts(rows: Row[], req: OutcomesRequest): OutcomeCounts {
  const totals: Record<string, number> = {}
  for (const r of rows) totals[String(r.label)] = (totals[String(r.label)] ?? 0) + num(r.n)
  const series = fillSeries(req.window, rows, (b) => {
    const c: Record<string, number> = {}
    for (const r of b) c[String(r.label)] = (c[String(r.label)] ?? 0) + num(r.n)
    return [c] as [Record<string, number>]
  })
  return { totals, series }
}

/** Top level: logins (mfa.login.completed) by outcome; `verifications`: mfa.challenge.verified by outcome. */
export function shapeOutcomes(rows: Row[], req: OutcomesRequest): OutcomeCounts & { verifications: OutcomeCounts } {
  const logins = counts(rows.filter((r) => r.event === OUTCOME_EVENTS.logins), req)
  return { ...logins, verifications: counts(rows.filter((r) => r.event === OUTCOME_EVENTS.verifications), req) }
}
