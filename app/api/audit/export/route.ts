import type { NextRequest } from 'next/server'
import { ErrorBody } from '../../../../contract/query'
import { ConsoleError, DEFAULT_TIMEOUT_MS, errorResponse } from '../../../_lib/collector-client'
import { sendAudit } from '../../../_lib/auth/audit'
import { authorize } from '../../../_lib/auth/guard'
import { authConfig } from '../../../_lib/env'
import { parseAuditQuery } from '../params'

export const dynamic = 'force-dynamic'

const TYPES = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const

/**
 * GET /api/audit/export?format=csv|ndjson&<the page's filters>: every matching audit record as a
 * download, streamed from the collector's GET /api/v1/audit/export. An export needs a recent
 * second factor (a link followed without one goes through sign-in and comes back); the console
 * records it in the audit log itself, since the collector audits only its control actions.
 */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'audit.read', action: 'audit.export', dangerous: true })
    if (!auth.ok) return auth.response
    const q = parseAuditQuery(req.nextUrl.searchParams, new Date(), false)
    if (!q.ok) return Response.json({ error: { code: 'invalid_parameter', ...q.error } }, { status: 400, headers: { 'cache-control': 'no-store' } })
    const format = q.value.params.format as keyof typeof TYPES
    const url = new URL('/api/v1/audit/export', auth.deps.baseUrl)
    for (const [k, v] of Object.entries(q.value.params)) if (v !== undefined) url.searchParams.set(k, v)

    // The timeout bounds the wait for the collector's answer, not the download of a long export.
    const ctl = new AbortController()
    const timer = setTimeout(() => ctl.abort(), DEFAULT_TIMEOUT_MS)
    let res: Response
    try {
      res = await fetch(url, { headers: { ...auth.deps.headers, accept: TYPES[format] }, signal: ctl.signal, cache: 'no-store' })
    } catch (err) {
      if (ctl.signal.aborted) throw new ConsoleError('collector_timeout', `collector at ${auth.deps.baseUrl} did not answer the audit export within ${DEFAULT_TIMEOUT_MS / 1000} s`)
      const e = err as { cause?: { code?: string }; message?: string }
      throw new ConsoleError('collector_unreachable', `collector unreachable at ${auth.deps.baseUrl} (${e?.cause?.code ?? e?.message ?? String(err)})`)
    } finally {
      clearTimeout(timer)
    }
    const route = `GET ${req.nextUrl.pathname}`
    const filters = Object.entries(q.value.params).filter(([k, v]) => v !== undefined && k !== 'format').map(([k, v]) => `${k}=${v}`).join(' ')
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '')
      let detail = text.slice(0, 200) || res.statusText
      try {
        const parsed = ErrorBody.safeParse(JSON.parse(text))
        if (parsed.success) detail = parsed.data.error.message
      } catch { /* not JSON: keep the text */ }
      void sendAudit(auth.actor, { action: 'audit.export', target: format, route, result: 'error', status: 502, detail: `collector HTTP ${res.status}` }, { baseUrl: auth.deps.baseUrl, token: authConfig().collectorToken })
      const e = new ConsoleError(res.status >= 500 ? 'collector_error' : 'collector_rejected', `collector refused the audit export (HTTP ${res.status}): ${detail}`)
      e.upstreamStatus = res.status
      throw e
    }
    void sendAudit(auth.actor, { action: 'audit.export', target: format, route, result: 'ok', status: 200, detail: filters.slice(0, 500) }, { baseUrl: auth.deps.baseUrl, token: authConfig().collectorToken })
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
    return new Response(res.body, {
      headers: { 'content-type': TYPES[format], 'content-disposition': `attachment; filename="factorwatch-audit-${stamp}.${format}"`, 'cache-control': 'no-store' },
    })
  } catch (err) {
    return errorResponse(err)
  }
}
