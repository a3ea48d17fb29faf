/**
 * What the Game days route handlers answer (`/api/gamedays…`, `/api/annotations`). Types only:
 * shared by the handlers (server) and the React Query hooks (client). Collector shapes come from
 * contract/gameday.ts.
 */
import type { Annotation, GameDay, GameDayList, GameDayReport, ScenarioSummary } from '../../contract/gameday'

export type { Annotation, GameDay, GameDayReport, ScenarioSummary }
export type GameDaySummary = GameDayList['gamedays'][number]

/** What /api/annotations answers: drill periods overlapping the range, for the charts' bands. */
export interface AnnotationsView {
  generatedAt: string
  annotations: Annotation[]
  /** false: the collector has no /api/v1/annotations (an older release): no bands, no error. */
  supported: boolean
}

export interface GameDaysView {
  generatedAt: string
  scenarios: ScenarioSummary[]
  /** Newest first. */
  gamedays: GameDaySummary[]
  /** Scheduled or running now. */
  active: GameDaySummary[]
}

/** One SLO's burn now, for the live view (burn rate = error rate / allowed error rate). */
export interface SloBurn {
  id: string
  description: string
  objective: number
  burn5m: number | null
  burn1h: number | null
  budgetRemaining: number | null
  firing: boolean
}

export interface GameDayView {
  generatedAt: string
  gameday: GameDay
  /** null when the SLOs could not be read (sloError says why); the drill is shown regardless. */
  sloBurn: SloBurn[] | null
  sloError: string | null
}
