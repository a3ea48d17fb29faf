import type { ClickHouseClient } from '@clickhouse/client'
import type { IngestConflictsResponse } from '../../contract/ingest'
import { DEFAULT_LIMIT, intParam, MAX_LIMIT, parseObject, resolveWindow, windowShape } from './params'
import { runSql } from './run'
import type { Parsed, SqlQuery } from './types'

/** GET /api/v1/ingest/conflicts: from, to (default the last hour, at most the query window's range) and limit. */
export const CONFLICTS_PARAMS = { from: windowShape.from, to: windowShape.to, limit: intParam('limit', 1, MAX_LIMIT).optional() }

export interface ConflictsRequest { fromMs: number; toMs: number; limit: number }

export function parseConflictsRequest(params: URLSearchParams, nowMs: number): Parsed<ConflictsRequest> {
  const raw = parseObject(CONFLICTS_PARAMS, params)
  if (!raw.ok) return raw
  const w = resolveWindow({ from: raw.value.from, to: raw.value.to }, nowMs)
  if (!w.ok) return w
  return { ok: true, value: { fromMs: w.value.fromMs, toMs: w.value.toMs, limit: raw.value.limit ?? DEFAULT_LIMIT } }
}

/** Conflicts received in [from, to), newest first, with the window's total. Pure. */
export function conflictsSql(req: ConflictsRequest): SqlQuery {
  return {
    // Output names differ from the columns: an alias named like a column would shadow it in WHERE.
    query: `SELECT formatDateTime(seen_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS seen_iso, formatDateTime(ts, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS ts_iso,
       event, event_id, service, tenant, first_hash, conflict_hash, attributes, count() OVER () AS total
FROM ingest_conflicts
WHERE seen_at >= fromUnixTimestamp64Milli({from:Int64}) AND seen_at < fromUnixTimestamp64Milli({to:Int64})
ORDER BY seen_at DESC, event_id
LIMIT {limit:UInt32}`,
    params: { from: req.fromMs, to: req.toMs, limit: req.limit },
  }
}

export async function runConflicts(client: ClickHouseClient, req: ConflictsRequest): Promise<IngestConflictsResponse> {
  const rows = await runSql(client, conflictsSql(req))
  return {
    window: { from: new Date(req.fromMs).toISOString(), to: new Date(req.toMs).toISOString() },
    total: rows.length > 0 ? Number(rows[0].total) : 0,
    conflicts: rows.map((r) => ({
      seen_at: String(r.seen_iso), ts: String(r.ts_iso), event: String(r.event), event_id: String(r.event_id), service: String(r.service), tenant: String(r.tenant),
      first_hash: Number(r.first_hash), conflict_hash: Number(r.conflict_hash), attributes: r.attributes as Record<string, string>,
    })),
  }
}
