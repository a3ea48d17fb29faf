import type { AuditPost, AuditRecord } from '../../../contract/access'
import { consoleEnv } from '../env'
import { collectorHeaders, type Actor } from './actor'

/**
 * Console-only actions (sign-in, a refused sign-in, sign-out, a 403 in a route handler) go to the
 * collector's audit log, `POST /api/v1/audit`; actions the collector carries out it audits
 * itself. The body is an AuditPost. Failing to audit is logged, never fatal: the user's action does not wait on it.
 */
export type ConsoleAudit = Omit<AuditPost, 'id' | 'actor' | 'role' | 'source_ip' | 'request_id'>

/** One send's timeout, and the pauses before each resend (a Retry-After the collector sends, up to MAX_RETRY_AFTER_MS, replaces a pause). */
const AUDIT_TIMEOUT_MS = 3000
const RETRY_DELAYS_MS = [1000, 3000, 9000]
const MAX_RETRY_AFTER_MS = 30_000

export interface AuditDeps {
  baseUrl?: string
  token?: string
  fetch?: typeof fetch
  timeoutMs?: number
  retryDelaysMs?: readonly number[]
}

/**
 * Send one audit record. A timeout, a refused connection, 429 and 5xx are retried (three more
 * times, 1 s, 3 s and 9 s apart, or after the collector's Retry-After) under one record id, which
 * the collector stores once, so a send that timed out but did land is not stored twice. A 4xx
 * other than 429 is not retried. The promise settles when the record is stored or given up on
 * (logged, never thrown); callers do not wait for it.
 */
export function sendAudit(actor: Actor | { user: string; role: AuditRecord['role']; sourceIp: string; requestId: string }, entry: ConsoleAudit, deps: AuditDeps = {}): Promise<void> {
  let baseUrl: string
  try {
    baseUrl = deps.baseUrl ?? consoleEnv().COLLECTOR_QUERY_URL
  } catch (err) {
    console.warn(`audit not sent (${entry.action}): ${(err as Error).message}`)
    return Promise.resolve()
  }
  // AuditPost (contract/access.ts): the collector adds ts and source itself.
  const body: AuditPost = {
    id: crypto.randomUUID(),
    actor: actor.user,
    role: actor.role,
    source_ip: actor.sourceIp,
    request_id: actor.requestId,
    ...entry,
    target: entry.target.slice(0, 256),
    detail: entry.detail.slice(0, 500),
  }
  const headers = { 'content-type': 'application/json', ...collectorHeaders(actor, deps.token ?? process.env.COLLECTOR_API_TOKEN) }
  const delays = deps.retryDelaysMs ?? RETRY_DELAYS_MS
  const send = async (attempt: number): Promise<void> => {
    let why: string
    let retryAfterMs: number | undefined
    try {
      const res = await (deps.fetch ?? fetch)(new URL('/api/v1/audit', baseUrl), { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(deps.timeoutMs ?? AUDIT_TIMEOUT_MS), cache: 'no-store' })
      await res.body?.cancel().catch(() => {})
      if (res.ok) return
      why = `collector answered HTTP ${res.status}`
      if (res.status !== 429 && res.status < 500) {
        console.warn(`audit not recorded (${entry.action}): ${why}`)
        return
      }
      retryAfterMs = retryAfter(res.headers.get('retry-after'))
    } catch (err) {
      const e = err as { cause?: { code?: string }; message?: string; name?: string }
      why = e?.name === 'TimeoutError' ? `no answer within ${(deps.timeoutMs ?? AUDIT_TIMEOUT_MS) / 1000} s` : (e?.cause?.code ?? e?.message ?? String(err))
    }
    if (attempt >= delays.length) {
      console.warn(`audit not recorded (${entry.action}) after ${attempt + 1} attempts: ${why}`)
      return
    }
    await new Promise((r) => setTimeout(r, retryAfterMs ?? delays[attempt]))
    return send(attempt + 1)
  }
  return send(0)
}

/** Retry-After in seconds (the collector never sends a date), capped; undefined when absent or not a number. */
function retryAfter(value: string | null): number | undefined {
  const s = value === null ? Number.NaN : Number(value)
  return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, MAX_RETRY_AFTER_MS) : undefined
}
