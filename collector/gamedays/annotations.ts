import type { ClickHouseClient } from '@clickhouse/client'
import { AnnotationList, type Annotation, type GameDayState } from '../../contract'
import { MAX_RANGE_S, parseObject, resolveWindow, windowShape } from '../query/params'
import { runSql } from '../query/run'
import type { ExtraRoute } from '../query/server'
import type { Parsed, QueryWindow, Row, SqlQuery } from '../query/types'
import { missingTable } from './readings'

/**
 * GET /api/v1/annotations?from&to: drill periods for the console's chart bands (every game day
 * that ran, or runs, inside the window; dry runs change nothing and are left out).
 */

export function parseAnnotationsRequest(params: URLSearchParams, nowMs: number): Parsed<QueryWindow> {
  const p = parseObject({ from: windowShape.from, to: windowShape.to }, params)
  if (!p.ok) return p
  // No buckets here: one step's worth so the bucket cap never trips.
  return resolveWindow({ from: p.value.from, to: p.value.to, step: MAX_RANGE_S }, nowMs)
}

export function annotationsSql(w: QueryWindow): SqlQuery {
  return {
    query: `
SELECT id, scenario, name, state, toUnixTimestamp64Milli(started_at) AS start_ms, toUnixTimestamp64Milli(ended_at) AS end_ms
FROM gameday_runs FINAL
WHERE dry_run = 0 AND started_at IS NOT NULL AND started_at < fromUnixTimestamp64Milli({to_ms:Int64})
  AND (ended_at IS NULL OR ended_at >= fromUnixTimestamp64Milli({from_ms:Int64}))
ORDER BY started_at, id LIMIT 1000`,
    params: { from_ms: w.fromMs, to_ms: w.toMs },
  }
}

export const shapeAnnotation = (r: Row): Annotation => ({
  gameday_id: String(r.id), scenario: String(r.scenario), name: String(r.name), state: String(r.state) as GameDayState,
  start: new Date(Number(r.start_ms)).toISOString(), end: r.end_ms === null || r.end_ms === undefined ? null : new Date(Number(r.end_ms)).toISOString(),
})

export function annotationRoutes(client: ClickHouseClient, now: () => number): ExtraRoute[] {
  return [{
    method: 'GET', path: '/api/v1/annotations', permission: 'dashboards.read', handle: async (_req, url) => {
      const w = parseAnnotationsRequest(url.searchParams, now())
      if (!w.ok) return { status: 400, body: { error: { code: 'invalid_parameter', message: w.error.message, parameter: w.error.parameter } } }
      let rows: Row[]
      try {
        rows = await runSql(client, annotationsSql(w.value))
      } catch (err) {
        // A store from before the game-day migration has no drills to show.
        if (!missingTable(err)) throw err
        rows = []
      }
      return { status: 200, body: AnnotationList.parse({ annotations: rows.map(shapeAnnotation) }) }
    },
  }]
}
