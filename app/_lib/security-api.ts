/**
 * What the Security, Executive and Explore route handlers answer. Types only, shared by the
 * handlers (server) and the React Query hooks (client); the collector's shapes come from
 * contract/security.ts.
 */
import type { AttackReport, Breakdown, BypassReport, EnrollmentReport, ExecutiveSnapshot, FailuresReport, FlowTimeline, RecoveryReport } from '../../contract/security'

export type { FlowTimeline }

export interface SecurityView {
  generatedAt: string
  enrollment: EnrollmentReport
  bypasses: BypassReport
  recovery: RecoveryReport
  attacks: AttackReport
  /** The reference IdP's admin page, when the console knows the IdP (IDP_URL). */
  idpAdminUrl: string | null
}

export interface SloSummary { id: string; description: string; budgetRemaining: number | null; state: 'met' | 'at_risk' | 'breached' | 'no_data' }

export interface ExecutiveView {
  generatedAt: string
  period: 'week' | 'month'
  snapshot: ExecutiveSnapshot
  /** null: the collector has no SLO engine (GET /api/v1/slos is not there). */
  slos: SloSummary[] | null
}

export interface ExploreView {
  generatedAt: string
  filters: Record<string, string>
  failures: FailuresReport
  breakdown: Breakdown
}
