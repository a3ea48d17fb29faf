import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { loadReport, reportCsv } from '../../_lib/report'
import { renderPdf } from '../../_lib/report-pdf'
import { sendAudit } from '../../_lib/auth/audit'
import { authorize } from '../../_lib/auth/guard'
import { authConfig } from '../../_lib/env'

export const dynamic = 'force-dynamic'

/** GET /api/report?format=csv|pdf [&month=YYYY-MM | &range= | &from=&to=]: the monthly audit as a download. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'security.read', action: 'security.export', dangerous: true })
    if (!auth.ok) return auth.response
    const params = req.nextUrl.searchParams
    const format = params.get('format') ?? 'csv'
    if (format !== 'csv' && format !== 'pdf') return Response.json({ error: { code: 'invalid_parameter', message: `invalid format: got "${format.slice(0, 20)}", expected csv or pdf`, parameter: 'format' } }, { status: 400 })
    const report = await loadReport(params, auth.deps, new Date())
    const name = `factorwatch-mfa-audit-${report.period.from.slice(0, 10)}_${report.period.to.slice(0, 10)}`
    // An export of security data is an action: audited (the collector audits no GET of its own).
    const audited = () => void sendAudit(auth.actor, { action: 'security.export', target: format, route: `GET ${req.nextUrl.pathname}`, result: 'ok', status: 200, detail: `period ${report.period.from.slice(0, 10)}..${report.period.to.slice(0, 10)}` }, { baseUrl: auth.deps.baseUrl, token: authConfig().collectorToken })
    if (format === 'csv') {
      audited()
      return new Response(reportCsv(report), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"`, 'cache-control': 'no-store' } })
    }
    const page = new URL('/report', req.nextUrl.origin)
    for (const k of ['month', 'range', 'from', 'to', 'user_group']) if (params.get(k)) page.searchParams.set(k, params.get(k)!)
    const pdf = await renderPdf(page.toString(), req.headers.get('cookie') ?? undefined)
    audited()
    return new Response(new Uint8Array(pdf), { headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}.pdf"`, 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
