import type { ClickHouseClient } from '@clickhouse/client'
import { parseFailuresRequest, parseFlowRequest, runBreakdown, runFailures, runFlow } from './explore'
import { runExecutive } from './executive'
import { parseOutcomesRequest } from './params'
import { runAttacks, runBypasses, runEnrollment, runRecovery } from './security-run'
import type { Parsed } from './types'

/**
 * The report endpoints behind the Security, Explore and Executive pages, defined once: the
 * server mounts them, the catalogue lists them. Responses are the schemas of contract/security.ts.
 */
export interface ReportDef<R = any> {
  path: string
  title: string
  parse: (params: URLSearchParams, nowMs: number) => Parsed<R>
  run: (client: ClickHouseClient, req: R, nowMs: number) => Promise<unknown>
}

const windowed = (path: string, title: string, run: ReportDef['run']): ReportDef => ({ path, title, parse: parseOutcomesRequest, run })

export const REPORTS: readonly ReportDef[] = [
  windowed('/api/v1/security/enrollment', 'Enrollment coverage by group × factor with trend, phishing-resistant share, admins without a second factor, SMS-only users', runEnrollment),
  windowed('/api/v1/security/bypasses', 'Bypasses by kind (this window vs the previous), each bypass, break-glass incidents', runBypasses),
  windowed('/api/v1/security/recovery', 'Recovery steps, time to approve, backlog, abuse signals', runRecovery),
  windowed('/api/v1/security/attacks', 'Credential stuffing, second-factor guessing, lockouts, push bombing, risk levels, revoked-session reuse', runAttacks),
  windowed('/api/v1/explore/breakdown', 'Latency by region, errors by client, receipts in flight and outstanding by provider', runBreakdown),
  windowed('/api/v1/executive', 'Leadership KPIs and cost per successful verification, this period vs the previous one', runExecutive),
  { path: '/api/v1/explore/failures', title: 'Failed challenges, filterable by every dimension', parse: parseFailuresRequest, run: runFailures },
  { path: '/api/v1/explore/flow', title: "One flow's events in order and its spans", parse: parseFlowRequest, run: runFlow },
]
