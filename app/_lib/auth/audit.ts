import type { AuditPost, AuditRecord } from '../../../contract/access'
import { consoleEnv } from '../env'
import { collectorHeaders, type Actor } from './actor'

/**
 * Console-only actions (sign-in, a refused sign-in, sign-out, a 403 in a route handler) go to the
 * collector's audit log, `POST /api/v1/audit`; actions the collector carries out it audits
 * itself. The body is an AuditPost. Failing to audit is logged, never fatal: the user's action does not wait on it.
 */
export type ConsoleAudit = Omit<AuditPost, 'actor' | 'role' | 'source_ip' | 'request_id'>

const AUDIT_TIMEOUT_MS = 3000

export function sendAudit(actor: Actor | { user: string; role: AuditRecord['role']; sourceIp: string; requestId: string }, entry: ConsoleAudit, deps: { baseUrl?: string; token?: string; fetch?: typeof fetch } = {}): Promise<void> {
  let baseUrl: string
  try {
    baseUrl = deps.baseUrl ?? consoleEnv().COLLECTOR_QUERY_URL
  } catch (err) {
    console.warn(`audit not sent (${entry.action}): ${(err as Error).message}`)
    return Promise.resolve()
  }
  // AuditPost (contract/access.ts): the collector adds ts and source itself.
  const body: AuditPost = {
    actor: actor.user,
    role: actor.role,
    source_ip: actor.sourceIp,
    request_id: actor.requestId,
    ...entry,
    target: entry.target.slice(0, 256),
    detail: entry.detail.slice(0, 500),
  }
  const headers = { 'content-type': 'application/json', ...collectorHeaders(actor, deps.token ?? process.env.COLLECTOR_API_TOKEN) }
  return (deps.fetch ?? fetch)(new URL('/api/v1/audit', baseUrl), { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(AUDIT_TIMEOUT_MS), cache: 'no-store' })
    .then(async (res) => {
      await res.body?.cancel().catch(() => {})
      if (!res.ok) console.warn(`audit not recorded (${entry.action}): collector answered HTTP ${res.status}`)
    })
    .catch((err: unknown) => {
      const e = err as { cause?: { code?: string }; message?: string }
      console.warn(`audit not recorded (${entry.action}): ${e?.cause?.code ?? e?.message ?? String(err)}`)
    })
}
