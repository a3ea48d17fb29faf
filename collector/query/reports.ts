import type { ClickHouseClient } from '@clickhouse/client'
import type { z } from 'zod'
import type { Permission } from '../../contract/access'
import type { QueryResponse, QueryRoute } from '../../contract/query'
import { FAILURES_PARAMS, FLOW_PARAMS, parseFailuresRequest, parseFlowRequest, runBreakdown, runFailures, runFlow } from './explore'
import { runExecutive } from './executive'
import { OUTCOMES_PARAMS, parseOutcomesRequest } from './params'
import { runAttacks } from './attack-run'
import { loadEnrollmentTargets } from '../../dashboards/schema/enrollment-targets'
import { runBypasses } from './bypass-report'
import { type EnrollmentTargets, runEnrollment } from './enrollment-report'
import { runRecovery } from './recovery-report'
import type { ReportRequest } from './security-sql'
import type { Parsed } from './types'

/**
 * The report endpoints behind the Security, Explore and Executive pages, defined once: the
 * server mounts them, the catalogue lists them. Responses are the schemas of contract/security.ts, listed by path in
 * contract/query.ts (QUERY_ROUTES).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- REPORTS holds reports of different request types; `any` is their existential default
export interface ReportDef<R = any> {
  path: string
  title: string
  parse: (params: URLSearchParams, nowMs: number) => Parsed<R>
  /** The query parameters `parse` accepts (its zod shape) and those it requires, for the OpenAPI document. */
  params: z.ZodRawShape
  required?: readonly string[]
  /** `ctx` defaults to the files in dashboards/ (benchmarks and tests that build no server). */
  run: (client: ClickHouseClient, req: R, nowMs: number, ctx?: ReportContext) => Promise<unknown>
  /** What a caller's role needs (contract/access.ts): security reports need security.read. */
  permission: Permission
}

/** What the collector read at start-up that reports use: the enrollment targets (dashboards/enrollment-targets.yaml). */
export interface ReportContext { enrollmentTargets: EnrollmentTargets }
let fallback: ReportContext | undefined
const defaultContext = (): ReportContext => (fallback ??= { enrollmentTargets: loadEnrollmentTargets() })

/** A report whose `run` must answer its path's schema in contract/query.ts (QUERY_ROUTES). */
const report = <P extends QueryRoute, R>(def: { path: P; title: string; permission: Permission; parse: ReportDef<R>['parse']; params: z.ZodRawShape; required?: readonly string[]; run: (client: ClickHouseClient, req: R, nowMs: number, ctx?: ReportContext) => Promise<QueryResponse<P>> }): ReportDef<R> => def
const windowed = <P extends QueryRoute>(path: P, title: string, permission: Permission, run: (client: ClickHouseClient, req: ReportRequest, nowMs: number, ctx?: ReportContext) => Promise<QueryResponse<P>>): ReportDef =>
  report({ path, title, permission, parse: parseOutcomesRequest, params: OUTCOMES_PARAMS, run })

export const REPORTS: readonly ReportDef[] = [
  windowed('/api/v1/security/enrollment', 'Enrollment coverage by group × factor with trend, phishing-resistant share, admins without a second factor, SMS-only users, each against its target', 'security.read', (c, r, _now, ctx) => runEnrollment(c, r, (ctx ?? defaultContext()).enrollmentTargets)),
  windowed('/api/v1/security/bypasses', 'Bypasses by kind (this window vs the previous), each bypass, every exemption with its status, open and expiring ones, break-glass incidents', 'security.read', runBypasses),
  windowed('/api/v1/security/recovery', 'Recovery steps, time to approve, backlog, abuse signals', 'security.read', runRecovery),
  windowed('/api/v1/security/attacks', 'Credential stuffing, second-factor guessing, lockouts, push bombing, risk levels, revoked-session reuse', 'security.read', runAttacks),
  windowed('/api/v1/explore/breakdown', 'Latency by region, errors by client, receipts in flight and outstanding by provider', 'dashboards.read', runBreakdown),
  windowed('/api/v1/executive', 'Leadership KPIs and cost per successful verification, this period vs the previous one', 'dashboards.read', runExecutive),
  report({ path: '/api/v1/explore/failures', title: 'Failed challenges, filterable by every dimension', permission: 'dashboards.read', parse: parseFailuresRequest, params: FAILURES_PARAMS, run: runFailures }),
  report({ path: '/api/v1/explore/flow', title: "One flow's events in order and its spans", permission: 'dashboards.read', parse: parseFlowRequest, params: FLOW_PARAMS, required: ['flow_id'], run: runFlow }),
]
