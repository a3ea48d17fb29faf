import { z } from 'zod'
import {
  AUDIT_EXPORT_FORMATS, AUDIT_PAGE_LIMIT, AUDIT_RESULTS, AuditPage, AuditPost, AuditPostResponse, AuditRecord,
} from '../../contract/access'
import { ErrorBody } from '../../contract/query'
import { formatPath } from '../../dashboards/schema/yaml-file'
import { readJsonBody } from '../query/body'
import type { RouteDocs } from '../query/openapi'
import { intParam, label, oneOf, parseObject } from '../query/params'
import type { ExtraRoute, RouteReply } from '../query/server'
import type { AuditLog } from './audit-log'
import { type AuditFilter, parseCursor } from './audit-sql'
import { csvLine } from './audit-sql'

const MAX_BODY = 16 * 1024
const COLUMNS = AuditRecord.keyof().options

const error = (status: number, code: string, message: string, parameter?: string): RouteReply => ({ status, body: { error: { code, message, ...(parameter ? { parameter } : {}) } } })
const bad = (parameter: string, message: string) => error(400, 'invalid_parameter', message.startsWith(`${parameter}:`) ? message : `${parameter}: ${message}`, parameter)

const iso = (name: string) => z.string().transform((s, ctx) => {
  const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)$/.test(s) ? Date.parse(s) : Number.NaN
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: `${name}: expected ISO 8601 time with a zone, got "${s.slice(0, 40)}"` })
    return z.NEVER
  }
  return t
}).meta({ type: 'string', format: 'date-time' })

/** Query parameters of GET /api/v1/audit (the handler parses with these; /openapi.json documents them). */
export const AUDIT_PARAMS = {
  from: iso('from').optional(),
  to: iso('to').optional(),
  action: z.string().regex(/^[a-z0-9_.]{1,80}$/, 'action: expected a dotted lower-case verb such as silence.create').optional(),
  actor: label('actor').or(z.string().regex(/^token:[a-z]+$|^[A-Za-z0-9_-]{16,128}$/)).optional(),
  result: oneOf('result', AUDIT_RESULTS).optional(),
  limit: intParam('limit', 1, AUDIT_PAGE_LIMIT.max).optional(),
  before: z.string().max(100).optional(),
}
const { limit: _l, before: _b, ...FILTER_PARAMS } = AUDIT_PARAMS
export const AUDIT_EXPORT_PARAMS = { ...FILTER_PARAMS, format: oneOf('format', AUDIT_EXPORT_FORMATS).optional() }
const DESCRIBE = {
  from: 'Only records at or after this time (ISO 8601 with a zone).',
  to: 'Only records before this time.',
  action: 'Only this action verb (silence.create, gameday.start, auth.sign_in, …).',
  actor: 'Only this actor (a user hash, or token:<role>).',
  result: 'Only this result.',
  limit: `Records per page (default ${AUDIT_PAGE_LIMIT.default}, at most ${AUDIT_PAGE_LIMIT.max}).`,
  before: 'The `next` of the previous page (or an ISO time: records before it).',
  format: 'csv (with a header line) or ndjson (one record a line). Default: ndjson.',
}

function filterOf(v: { from?: number; to?: number; action?: string; actor?: string; result?: AuditFilter['result']; before?: string }): AuditFilter | RouteReply {
  if (v.from !== undefined && v.to !== undefined && v.from >= v.to) return bad('from', 'from: must be before to')
  const before = v.before === undefined ? undefined : parseCursor(v.before)
  if (v.before !== undefined && before === undefined) return bad('before', 'before: expected the `next` of a previous page or an ISO time')
  return { fromMs: v.from, toMs: v.to, action: v.action, actor: v.actor, result: v.result, before }
}
const isReply = (x: object): x is RouteReply => 'status' in x && 'body' in x

async function* exportLines(audit: AuditLog, f: AuditFilter, format: (typeof AUDIT_EXPORT_FORMATS)[number]): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(COLUMNS)
  for await (const page of audit.all(f)) {
    yield page.map((r) => (format === 'csv' ? csvLine(COLUMNS.map((c) => r[c])) : `${JSON.stringify(r)}\n`)).join('')
  }
}

const E400 = ['invalid_parameter: a parameter or body field is unknown or invalid; `parameter` names it', ErrorBody] as const
const docs = (d: RouteDocs) => d

/**
 * The audit routes (contract/access.ts): read and export the log (audit.read), and the
 * console's own records (sign-in, refused sign-in, sign-out), which only the console's token
 * may post; a body that breaks AuditPost is a 400 and writes nothing.
 */
export function auditRoutes(audit: AuditLog, now: () => number): ExtraRoute[] {
  return [
    { method: 'GET', path: '/api/v1/audit', permission: 'audit.read', handle: async (_req, url) => {
      const q = parseObject(AUDIT_PARAMS, url.searchParams)
      if (!q.ok) return bad(q.error.parameter, q.error.message)
      const f = filterOf(q.value)
      if (isReply(f)) return f
      return { status: 200, body: AuditPage.parse(await audit.page(f, q.value.limit ?? AUDIT_PAGE_LIMIT.default)) }
    }, docs: docs({ summary: 'Audit records, newest first, a page at a time', params: AUDIT_PARAMS, describe: DESCRIBE, responses: { 200: ['OK', AuditPage], 400: E400 } }) },
    { method: 'GET', path: '/api/v1/audit/export', permission: 'audit.read', handle: async (_req, url) => {
      const q = parseObject(AUDIT_EXPORT_PARAMS, url.searchParams)
      if (!q.ok) return bad(q.error.parameter, q.error.message)
      const f = filterOf(q.value)
      if (isReply(f)) return f
      const format = q.value.format ?? 'ndjson'
      const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-')
      return {
        status: 200, body: exportLines(audit, f, format),
        contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        headers: { 'content-disposition': `attachment; filename="factorwatch-audit-${stamp}.${format}"` },
      }
    }, docs: docs({ summary: 'Every matching audit record, newest first, streamed as CSV or NDJSON (one AuditRecord per line)', params: AUDIT_EXPORT_PARAMS, describe: DESCRIBE, responses: { 200: ['The records', AuditRecord, ['text/csv', 'application/x-ndjson']], 400: E400 } }) },
    { method: 'POST', path: '/api/v1/audit', permission: 'dashboards.read', consoleOnly: true, audited: false, action: 'audit.write', handle: async (req, _url, caller) => {
      const body = await readJsonBody(req, MAX_BODY)
      if (!body.ok) return body.reply
      const parsed = AuditPost.safeParse(body.value)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        const at = formatPath(issue.path) || 'body'
        return bad(at, `${at}: ${issue.message}`)
      }
      const { id, ...p } = parsed.data
      const rec = AuditRecord.parse({
        ...p, ts: new Date(now()).toISOString(), source: 'console',
        request_id: p.request_id || caller?.requestId || '', source_ip: p.source_ip || '',
      } satisfies AuditRecord)
      const { stored, duplicate } = id === undefined ? { stored: await audit.write(rec), duplicate: false } : await audit.writeOnce(rec, id)
      if (!stored) return { ...error(503, 'audit_unavailable', 'the audit log cannot be written now (ClickHouse refused it); the record is held in memory and retried'), headers: { 'retry-after': '30' } }
      return { status: 201, body: AuditPostResponse.parse({ recorded: true, ...(duplicate ? { duplicate } : {}) }) }
    }, docs: docs({ summary: "Record one of the console's own actions (sign-in, refused sign-in, sign-out); the console's token only", body: AuditPost, responses: { 201: ['Recorded (or, with `duplicate: true`, stored before under the same `id`)', AuditPostResponse], 400: E400, 503: ['audit_unavailable: ClickHouse refused the record', ErrorBody] } }) },
  ]
}
