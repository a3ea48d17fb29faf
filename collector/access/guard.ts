import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ACTOR_HEADERS, type AuditRecord, type Permission, type TokenPrincipal } from '../../contract/access'
import type { AuditLog } from './audit-log'
import { type Decision, type Presented, type Who, decide } from './decide'
import { auditAction, auditTarget } from './routes'
import { TokenTable, bearerToken } from './tokens'

/** What the guard needs to know of a route (collector/query/server.ts ExtraRoute). */
export interface GuardedRoute {
  method: string
  path: string
  permission: Permission | 'public'
  action?: string
  consoleOnly?: boolean
  /** false: the route writes its own audit record (POST /api/v1/audit). */
  audited?: boolean
}

/** A reply as the query server writes it. */
export interface GuardReply { status: number; body: unknown; headers?: Record<string, string> }

/** The caller of an admitted request, as a route handler sees it. */
export interface Caller extends Who { sourceIp: string; requestId: string }

export type Admission = { ok: true; caller: Caller } | { ok: false; reply: GuardReply }

export interface AccessGuard {
  readonly tokensConfigured: boolean
  /** Before the route reads anything: admit the request, or answer it (refusals are audited). */
  admit(req: IncomingMessage, route: GuardedRoute, url: URL): Promise<Admission>
  /** After an admitted request was answered: audit it when it is a control action; headers to add. */
  settle(route: GuardedRoute, url: URL, caller: Caller, reply: GuardReply): Promise<Record<string, string>>
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/
const SOURCE_IP = /^[0-9A-Fa-f:.]{2,64}$/
const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}
const errorBody = (code: string, message: string) => ({ error: { code, message } })
/** A 4xx/5xx body's message, first line, for the audit detail. */
const replyDetail = (reply: GuardReply): string => {
  const m = (reply.body as { error?: { message?: unknown } } | null)?.error?.message
  return typeof m === 'string' ? m.split('\n')[0].slice(0, 300) : ''
}
const resultOf = (status: number): AuditRecord['result'] => (status === 401 || status === 403 ? 'denied' : status < 400 ? 'ok' : 'error')

/**
 * The access shell around decide.ts: reads the bearer token and the console's actor headers,
 * looks the token up in constant time, answers refusals (401 with WWW-Authenticate, 400, 403)
 * and writes the audit record of every refusal and every control action (non-GET route).
 * Without tokens (`tokens` empty) nothing is refused, but control actions are still audited.
 */
export function createAccessGuard(opts: { tokens: ReadonlyMap<string, TokenPrincipal>; audit: AuditLog; now: () => number }): AccessGuard {
  const table = new TokenTable(opts.tokens)
  const tokensConfigured = table.size > 0
  const { audit, now } = opts

  function presented(req: IncomingMessage): Presented {
    const b = bearerToken(req.headers.authorization)
    if (b.kind !== 'token') return b
    const principal = table.lookup(b.token)
    return principal === undefined ? { kind: 'unknown' } : { kind: 'token', principal }
  }

  function callerOf(req: IncomingMessage, who: Who): Caller {
    const forwardedIp = header(req, ACTOR_HEADERS.sourceIp)
    const rid = header(req, ACTOR_HEADERS.requestId)
    const sourceIp = who.source === 'console' && forwardedIp && SOURCE_IP.test(forwardedIp) ? forwardedIp : (req.socket.remoteAddress ?? '')
    return { ...who, sourceIp: sourceIp.slice(0, 64), requestId: rid && REQUEST_ID.test(rid) ? rid : randomUUID() }
  }

  const record = (route: GuardedRoute, url: URL, c: Caller, status: number, detail: string, target: string): AuditRecord => ({
    ts: new Date(now()).toISOString(), source: c.source, actor: c.actor, role: c.role, action: auditAction(route),
    target: target.slice(0, 256), route: `${route.method} ${route.path}`.slice(0, 200), result: resultOf(status), status,
    source_ip: c.sourceIp, request_id: c.requestId, detail: detail.slice(0, 500),
  })
  const auditHeaders = (stored: boolean): Record<string, string> => (stored ? {} : { 'x-factorwatch-audit': 'failed' })
  const isAction = (route: GuardedRoute) => route.method !== 'GET' && route.audited !== false

  return {
    tokensConfigured,
    async admit(req, route, url): Promise<Admission> {
      const d: Decision = decide({
        tokensConfigured, presented: presented(req), needs: route,
        forwarded: { actor: header(req, ACTOR_HEADERS.actor), role: header(req, ACTOR_HEADERS.role) },
      })
      const caller = callerOf(req, d.who)
      if (!d.ok) {
        const stored = await audit.write(record(route, url, caller, d.status, d.message, auditTarget(route.path, url)))
        return { ok: false, reply: { status: d.status, body: errorBody(d.code, d.message), headers: { ...(d.wwwAuthenticate ? { 'www-authenticate': d.wwwAuthenticate } : {}), 'x-request-id': caller.requestId, ...auditHeaders(stored) } } }
      }
      if (isAction(route) && !(await audit.ready())) {
        // Refuse before acting: an action must not happen without its audit record.
        const message = 'the audit log cannot be written (ClickHouse refused it); the action was not taken, retry later'
        await audit.write(record(route, url, caller, 503, message, auditTarget(route.path, url)))
        return { ok: false, reply: { status: 503, body: errorBody('audit_unavailable', message), headers: { 'retry-after': '30', 'x-request-id': caller.requestId, 'x-factorwatch-audit': 'failed' } } }
      }
      return { ok: true, caller }
    },
    async settle(route, url, caller, reply) {
      if (!isAction(route)) return {}
      const status = reply.status
      const created = (reply.body as { id?: unknown } | null)?.id
      const target = auditTarget(route.path, url) || (status < 300 && typeof created === 'string' ? created : '')
      const stored = await audit.write(record(route, url, caller, status, status < 400 ? '' : replyDetail(reply), target))
      return { 'x-request-id': caller.requestId, ...auditHeaders(stored) }
    },
  }
}
