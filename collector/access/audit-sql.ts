import { AUDIT_RESULTS, type AuditRecord } from '../../contract/access'
import type { Row, SqlQuery } from '../query/types'

/** Filters of an audit read (validated by audit-api.ts). Times are epoch ms, `to` exclusive. */
export interface AuditFilter {
  fromMs?: number
  toMs?: number
  action?: string
  actor?: string
  result?: (typeof AUDIT_RESULTS)[number]
  /** Only records strictly older than this cursor (newest first). */
  before?: Cursor
}
/** A position in the newest-first order: the time and the row id (the tie-break). */
export interface Cursor { tsMs: number; id: string }

export const AUDIT_COLUMNS = ['ts', 'id', 'source', 'actor', 'role', 'action', 'target', 'route', 'result', 'status', 'source_ip', 'request_id', 'detail'] as const

/** Newest first, `limit` rows, filters as server-side parameters. */
export function auditPageSql(f: AuditFilter, limit: number): SqlQuery {
  const where: string[] = []
  const params: SqlQuery['params'] = { limit }
  if (f.fromMs !== undefined) { where.push('ts >= fromUnixTimestamp64Milli({from_ms:Int64})'); params.from_ms = f.fromMs }
  if (f.toMs !== undefined) { where.push('ts < fromUnixTimestamp64Milli({to_ms:Int64})'); params.to_ms = f.toMs }
  if (f.action !== undefined) { where.push('action = {action:String}'); params.action = f.action }
  if (f.actor !== undefined) { where.push('actor = {actor:String}'); params.actor = f.actor }
  if (f.result !== undefined) { where.push('result = {result:String}'); params.result = f.result }
  if (f.before !== undefined) {
    where.push('(ts < fromUnixTimestamp64Milli({b_ms:Int64}) OR (ts = fromUnixTimestamp64Milli({b_ms:Int64}) AND id < {b_id:String}))')
    params.b_ms = f.before.tsMs
    params.b_id = f.before.id
  }
  return {
    query: `
SELECT toUnixTimestamp64Milli(ts) AS ts_ms, id, source, actor, role, action, target, route, result, status, source_ip, request_id, detail
FROM audit_log
${where.length ? `WHERE ${where.join('\n  AND ')}` : ''}
ORDER BY ts DESC, id DESC
LIMIT {limit:UInt32}`,
    params,
  }
}

export const shapeAuditRow = (r: Row): AuditRecord & { id: string; ts_ms: number } => ({
  ts: new Date(Number(r.ts_ms)).toISOString(),
  source: String(r.source) as AuditRecord['source'],
  actor: String(r.actor),
  role: String(r.role) as AuditRecord['role'],
  action: String(r.action),
  target: String(r.target),
  route: String(r.route),
  result: String(r.result) as AuditRecord['result'],
  status: Number(r.status),
  source_ip: String(r.source_ip),
  request_id: String(r.request_id),
  detail: String(r.detail),
  id: String(r.id),
  ts_ms: Number(r.ts_ms),
})

/** `before` as it travels: `<epoch ms>-<id>`, or an ISO time (everything older). */
export const formatCursor = (c: Cursor) => `${c.tsMs}-${c.id}`
export function parseCursor(s: string): Cursor | undefined {
  const m = /^(\d{1,15})-([0-9a-f-]{1,64})$/.exec(s)
  if (m) return { tsMs: Number(m[1]), id: m[2] }
  const t = Date.parse(s)
  if (/^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(t)) return { tsMs: t, id: '' }
  return undefined
}

/** One CSV line (RFC 4180), cells that a spreadsheet would run as a formula prefixed with `'`. */
export function csvLine(values: readonly (string | number)[]): string {
  return `${values.map((v) => {
    let s = String(v)
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }).join(',')}\r\n`
}
