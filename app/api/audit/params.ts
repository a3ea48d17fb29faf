import { AUDIT_EXPORT_FORMATS, AUDIT_PAGE_LIMIT, AUDIT_RESULTS } from '../../../contract/access'

/**
 * The Audit page's URL state and what the console asks the collector for (GET /api/v1/audit and
 * its export). Pure: the route handlers parse with it, the page reads and writes the same keys.
 * A range is a preset ending now (`range=24h`, or `all` for no bound) or a fixed `from`/`to`.
 */
export const AUDIT_RANGES = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400, all: 0 } as const
export type AuditRange = keyof typeof AUDIT_RANGES
export const AUDIT_RANGE_IDS = Object.keys(AUDIT_RANGES) as AuditRange[]
export const DEFAULT_AUDIT_RANGE: AuditRange = '7d'
/** Rows per page on the Audit page (the collector allows up to AUDIT_PAGE_LIMIT.max). */
export const AUDIT_PAGE_SIZE = 50

/** URL keys of the page and its route handlers (the export takes `format` too, not `before`/`limit`). */
export const AUDIT_URL_KEYS = ['range', 'from', 'to', 'action', 'actor', 'result', 'before', 'limit'] as const
export type AuditUrlKey = (typeof AUDIT_URL_KEYS)[number]
export type AuditUrlState = Partial<Record<AuditUrlKey, string>>

const ACTION_RE = /^[a-z0-9_.]{1,80}$/
/** A user hash, `token:<role>` or `anonymous` (what the collector names actors by). */
const ACTOR_RE = /^(?:[A-Za-z0-9_-]{16,128}|token:[a-z]+|anonymous)$/
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/

export interface AuditQueryError { parameter: string; message: string }
/** Query parameters for the collector (undefined: not sent) and the window shown. */
export interface AuditQuery {
  params: Record<string, string | undefined>
  window: { from: string | null; to: string | null }
}

type Params = { get(name: string): string | null }

const quote = (s: string) => `"${s.slice(0, 40)}"`

export function readAuditState(p: Params): AuditUrlState {
  const s: AuditUrlState = {}
  for (const k of AUDIT_URL_KEYS) {
    const v = p.get(k)
    if (v) s[k] = v
  }
  return s
}

/** Keys in a stable order, empty values dropped. */
export function auditQueryString(s: AuditUrlState, omit: readonly AuditUrlKey[] = []): string {
  const q = new URLSearchParams()
  for (const k of AUDIT_URL_KEYS) if (s[k] && !omit.includes(k)) q.set(k, s[k]!)
  return q.toString()
}

/**
 * Validate the page's parameters and translate them for the collector; a bad one is named.
 * `paging`: false for the export (which reads every matching record).
 */
export function parseAuditQuery(p: Params, now: Date, paging = true): { ok: true; value: AuditQuery } | { ok: false; error: AuditQueryError } {
  const bad = (parameter: string, message: string) => ({ ok: false as const, error: { parameter, message } })
  const range = p.get('range')
  const fromRaw = p.get('from')
  const toRaw = p.get('to')
  let from: Date | null = null
  let to: Date | null = null
  if (fromRaw !== null || toRaw !== null) {
    if (range) return bad('range', 'give either range or from/to, not both')
    for (const [name, raw] of [['from', fromRaw], ['to', toRaw]] as const) {
      if (raw !== null && (!ISO_RE.test(raw) || Number.isNaN(Date.parse(raw)))) return bad(name, `invalid ${name}: got ${quote(raw)}, expected an ISO 8601 time with a zone, e.g. 2026-01-31T12:00:00Z`)
    }
    from = fromRaw === null ? null : new Date(fromRaw)
    to = toRaw === null ? null : new Date(toRaw)
    if (from && to && from >= to) return bad('to', `invalid to: ${toRaw} is not after from ${fromRaw}`)
  } else {
    const r = range || DEFAULT_AUDIT_RANGE
    if (!Object.prototype.hasOwnProperty.call(AUDIT_RANGES, r)) return bad('range', `invalid range: got ${quote(r)}, expected one of ${AUDIT_RANGE_IDS.join(', ')}`)
    const span = AUDIT_RANGES[r as AuditRange]
    if (span > 0) from = new Date(now.getTime() - span * 1000)
  }
  const action = p.get('action') || undefined
  if (action !== undefined && !ACTION_RE.test(action)) return bad('action', `invalid action: got ${quote(action)}, expected a dotted lower-case verb such as silence.create`)
  const actor = p.get('actor')?.trim() || undefined
  if (actor !== undefined && !ACTOR_RE.test(actor)) return bad('actor', `invalid actor: got ${quote(actor)}, expected a user hash (16–128 letters, digits, _ or -), token:<role> or anonymous`)
  const result = p.get('result') || undefined
  if (result !== undefined && !(AUDIT_RESULTS as readonly string[]).includes(result)) return bad('result', `invalid result: got ${quote(result)}, expected one of ${AUDIT_RESULTS.join(', ')}`)
  const params: Record<string, string | undefined> = { from: from?.toISOString(), to: to?.toISOString(), action, actor, result }
  if (paging) {
    const before = p.get('before') || undefined
    if (before !== undefined && (before.length > 100 || !/^[\w:.+-]+$/.test(before))) return bad('before', `invalid before: got ${quote(before)}, expected the "next" of a previous page`)
    const limitRaw = p.get('limit')
    let limit = AUDIT_PAGE_SIZE
    if (limitRaw) {
      if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > AUDIT_PAGE_LIMIT.max) return bad('limit', `invalid limit: got ${quote(limitRaw)}, expected a whole number from 1 to ${AUDIT_PAGE_LIMIT.max}`)
      limit = Number(limitRaw)
    }
    Object.assign(params, { before, limit: String(limit) })
  } else {
    const format = p.get('format') ?? 'csv'
    if (!(AUDIT_EXPORT_FORMATS as readonly string[]).includes(format)) return bad('format', `invalid format: got ${quote(format)}, expected ${AUDIT_EXPORT_FORMATS.join(' or ')}`)
    params.format = format
  }
  return { ok: true, value: { params, window: { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null } } }
}
