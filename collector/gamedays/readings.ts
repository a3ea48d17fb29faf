import type { ClickHouseClient } from '@clickhouse/client'
import type { ExpectationResult, GameDayState, GuardrailReading } from '../../contract'
import type { Expectation, Guardrail } from '../../dashboards/schema/gameday'
import { burnRate, round } from '../alerting/burn'
import type { Slo } from '../alerting/types'
import { StorageError, runSql } from '../query/run'
import { num } from '../query/sql'
import type { Row } from '../query/types'
import {
  alertFiringsSql, breakerOpensSql, drillWindowsSql, fallbacksSql, sloWindowSql, unrelatedPagesSql, volumeSql,
  signInSuccessSql,
} from './readings-sql'

/**
 * What a game day measures while it runs (guardrails) and after it (expectations), from stored
 * events and alert_history. SQL lives in readings-sql.ts; the judges here are pure functions of
 * rows and `now`; the runners are the thin shell between them.
 */

/** A drill as alerting and the SLO budget see it: its window and whether its alerts may page. */
export interface DrillWindow {
  id: string
  scenario: string
  name: string
  state: GameDayState
  /** Drill alerts page on-call only when the scenario says `pages: true`. */
  pages: boolean
  /** Vendors the drill's steps touch; alerts naming another vendor are not the drill's. */
  vendors: string[]
  startMs: number
  /** null while running. */
  endMs: number | null
}

/** The facts of one drill that expectations are judged against (epoch ms). */
export interface DrillFacts {
  id: string
  startMs: number
  /** First fault applied (the drill start when none was). */
  firstFaultMs: number
  /** Drill end, or now while it runs. */
  endMs: number
}

/** Minimum flows before a success reading counts: one failed admin login out of two is not a trend. */
export const MIN_FLOWS = 3

/** Epoch ms as ClickHouse answers it (a number from chDB, a string over HTTP), or null. */
const toMs = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v))
const iso = (ms: number) => new Date(ms).toISOString()
const pct = (x: number) => `${round(x * 100)} %`
const secs = (ms: number) => `${Math.round(ms / 1000)} s`

// ---- drills: what alerting reads each cycle ---------------------------------------------

/** Rows of drillWindowsSql → windows (latest version of each run, dry runs left out). */
export function shapeDrills(rows: readonly Row[]): DrillWindow[] {
  return rows
    .filter((r) => Number(r.dry_run) !== 1 && toMs(r.started_ms) !== null)
    .map((r) => ({
      id: String(r.id), scenario: String(r.scenario), name: String(r.name), state: String(r.state) as GameDayState, pages: Number(r.pages) === 1,
      vendors: Array.isArray(r.vendors) ? r.vendors.map(String) : [], startMs: toMs(r.started_ms)!, endMs: toMs(r.ended_ms),
    }))
    .sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id))
}

/** Is the drill running at `now` (started, not ended)? */
export const runningAt = (d: DrillWindow, now: number): boolean => d.startMs <= now && (d.endMs === null || d.endMs > now) && d.state === 'running'

/** A query failed because the table is not there (a store from before a migration). */
export const missingTable = (err: unknown): boolean => err instanceof StorageError && /UNKNOWN_TABLE|doesn't exist|does not exist/i.test(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`)

/**
 * Drill windows overlapping [fromMs, toMs). Tolerates a store without the runs table (a
 * collector older than the game-day migration, or a test store): no drills then.
 */
export async function drillWindows(client: ClickHouseClient, fromMs: number, toMs: number): Promise<DrillWindow[]> {
  try {
    return shapeDrills(await runSql(client, drillWindowsSql(fromMs, toMs)))
  } catch (err) {
    if (missingTable(err)) return []
    throw err
  }
}

/** Drills running at `now`: what the alert engine labels and routes as drills each cycle. */
export async function activeDrills(client: ClickHouseClient, now: number): Promise<DrillWindow[]> {
  return (await drillWindows(client, now - 86_400_000, now + 1)).filter((d) => runningAt(d, now))
}

// ---- guardrails --------------------------------------------------------------------------

/** What one guardrail read from storage: the value it is compared with (null before data). */
export type GuardrailValue = { value: number | null; why?: string }

export function describeGuardrail(g: Guardrail): string {
  switch (g.type) {
    case 'slo_burn': return `${g.slo} burn rate over ${secs(g.window * 1000)} stays at or below ${g.max_burn_rate}×`
    case 'admin_success_floor': return `admin sign-in success (as mfa-success counts it) over ${secs(g.window * 1000)} stays at or above ${pct(g.floor)}`
    case 'unrelated_page': return 'no page alert fires that this drill did not cause'
  }
}

/** Pure: a guardrail's reading from its value. Trips above a burn ceiling, below a success floor, at any unrelated page. */
export function judgeGuardrail(g: Guardrail, v: GuardrailValue, now: number): GuardrailReading {
  const threshold = g.type === 'slo_burn' ? g.max_burn_rate : g.type === 'admin_success_floor' ? g.floor : 0
  const x = v.value
  const tripped = x !== null && (g.type === 'slo_burn' ? x > threshold : g.type === 'admin_success_floor' ? x < threshold : x > threshold)
  return { id: g.id, description: describeGuardrail(g), value: x === null ? null : round(x), threshold, tripped, at: iso(now) }
}

/** Good/total of an SLO over a window → burn rate (null below the SLO's minimum volume). */
export function burnFromRows(slo: Slo, rows: readonly Row[]): number | null {
  const total = rows.reduce((a, r) => a + num(r.t), 0)
  const bad = rows.reduce((a, r) => a + num(r.b), 0)
  if (total === 0 || total < slo.minVolume) return null
  return burnRate({ good: total - bad, total }, slo.objective)
}

/** M1 rows ({flows, hits} per bucket) → success fraction; null below MIN_FLOWS. */
export function successFromRows(rows: readonly Row[], minFlows = MIN_FLOWS): { value: number | null; flows: number; hits: number } {
  const flows = rows.reduce((a, r) => a + num(r.flows), 0)
  const hits = rows.reduce((a, r) => a + num(r.hits), 0)
  return { value: flows < Math.max(1, minFlows) ? null : hits / flows, flows, hits }
}

/** Sign-in success over [fromMs, toMs) as the mfa-success SLO counts it (signInSuccessSql), optionally for one user group. */
export async function successRate(client: ClickHouseClient, fromMs: number, toMs: number, userGroup?: string): Promise<{ value: number | null; flows: number; hits: number }> {
  return successFromRows(await runSql(client, signInSuccessSql(fromMs, toMs, userGroup)))
}

/** Read every guardrail of a running drill at `now`. */
export async function readGuardrails(client: ClickHouseClient, guardrails: readonly Guardrail[], drill: { id: string; startMs: number }, slos: readonly Slo[], now: number): Promise<GuardrailReading[]> {
  const out: GuardrailReading[] = []
  for (const g of guardrails) {
    let v: GuardrailValue
    if (g.type === 'slo_burn') {
      const slo = slos.find((s) => s.id === g.slo)
      v = slo && slo.kind !== 'coverage' ? { value: burnFromRows(slo, await runSql(client, sloWindowSql(slo, now - g.window * 1000, now + 1))) } : { value: null, why: `unknown SLO ${g.slo}` }
    } else if (g.type === 'admin_success_floor') {
      v = { value: (await successRate(client, now - g.window * 1000, now + 1, 'admin')).value }
    } else {
      const rows = await runSql(client, unrelatedPagesSql(drill.id, drill.startMs, now + 1))
      v = { value: num(rows[0]?.n ?? 0) }
    }
    out.push(judgeGuardrail(g, v, now))
  }
  return out
}

// ---- expectations ------------------------------------------------------------------------

/** One alert_history transition to firing. */
export interface Firing { t: number; alertId: string; ruleId: string; alertname: string; labels: Record<string, string> }

export const shapeFirings = (rows: readonly Row[]): Firing[] =>
  rows.map((r) => ({ t: num(r.t), alertId: String(r.alert_id), ruleId: String(r.rule_id), alertname: String(r.alertname), labels: (r.labels ?? {}) as Record<string, string> }))

type AlertFires = Extract<Expectation, { type: 'alert_fires' }>
type Side = { vendor?: string; factor?: string }

/** Does a firing match an alert_fires expectation (a threshold rule id, or any alert of an SLO, with the labels given)? */
export function firingMatches(e: Pick<AlertFires, 'alert' | 'slo' | 'labels'>, f: Firing): boolean {
  const which = e.alert !== undefined ? f.ruleId === e.alert || f.alertId === e.alert : f.labels.slo === e.slo
  return which && Object.entries(e.labels ?? {}).every(([k, v]) => f.labels[k] === v)
}

const sideText = (s: Side) => [s.vendor, s.factor].filter(Boolean).join('/')
const fromMatches = (s: Side, r: Row) => (s.vendor === undefined || r.fallback_from === s.vendor) && (s.factor === undefined || r.fallback_from === s.factor || (s.vendor === undefined && r.factor === s.factor))
const toMatches = (s: Side, r: Row) => (s.vendor === undefined || r.fallback_to === s.vendor) && (s.factor === undefined || r.fallback_to === s.factor)

export function describeExpectation(e: Expectation): string {
  switch (e.type) {
    case 'alert_fires': return `${e.alert ?? `an alert of SLO ${e.slo}`}${Object.keys(e.labels).length ? ` {${Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(', ')}}` : ''} fires within ${secs(e.within * 1000)} of the first fault`
    case 'fallback_share': return `at least ${pct(e.min_share)} of fallbacks away from ${sideText(e.from)} go to ${sideText(e.to)} within ${secs(e.within * 1000)} of the first fault`
    case 'success_rate': return `sign-in success (as mfa-success counts it)${e.user_group ? ` for ${e.user_group}` : ''} stays at or above ${pct(e.floor)} during the drill`
    case 'breaker_opens': return `the IdP opens its breaker for ${e.vendor} within ${secs(e.within * 1000)} of the first fault`
    case 'volume_increase': return `${e.event} volume in the ${secs(e.within * 1000)} after the first fault is at least ${e.min_ratio}× the same length before`
  }
}

/** What the expectations need from storage, read once per drill. */
export interface ExpectationData {
  firings: Firing[]
  /** mfa.fallback counts by fallback_from, fallback_to, factor, per expectation index. */
  fallbacks: Map<number, Row[]>
  /** M1 over the drill per expectation index. */
  success: Map<number, { value: number | null; flows: number; hits: number }>
  /** First breaker open per vendor (ms). */
  breakerOpen: Map<string, number>
  /** volume_increase counts per expectation index. */
  volume: Map<number, { before: number; during: number }>
}

/** Pure: judge each expectation against the drill's facts and what storage held. */
export function judgeExpectations(list: readonly Expectation[], facts: DrillFacts, data: ExpectationData): ExpectationResult[] {
  const after = (t: number) => secs(t - facts.firstFaultMs)
  return list.map((e, i): ExpectationResult => {
    const base = { id: e.id, description: describeExpectation(e) }
    const deadline = 'within' in e ? facts.firstFaultMs + e.within * 1000 : facts.endMs
    switch (e.type) {
      case 'alert_fires': {
        const hit = data.firings.find((f) => f.t >= facts.firstFaultMs && firingMatches(e, f))
        if (!hit) return { ...base, held: false, observed: `no matching alert fired${facts.endMs < deadline ? ` before the drill ended (${after(facts.endMs)} after the first fault)` : ` within ${secs(e.within * 1000)}`}` }
        return { ...base, held: hit.t <= deadline, observed: `${hit.alertname} (${hit.alertId}) fired ${after(hit.t)} after the first fault` }
      }
      case 'fallback_share': {
        const away = (data.fallbacks.get(i) ?? []).filter((r) => fromMatches(e.from, r))
        const total = away.reduce((a, r) => a + num(r.n), 0)
        if (total === 0) return { ...base, held: null, observed: `no fallback away from ${sideText(e.from)} within ${secs(e.within * 1000)}` }
        const to = away.filter((r) => toMatches(e.to, r)).reduce((a, r) => a + num(r.n), 0)
        return { ...base, held: to / total >= e.min_share, observed: `${pct(to / total)} (${to} of ${total} fallbacks away from ${sideText(e.from)}) went to ${sideText(e.to)}` }
      }
      case 'success_rate': {
        const s = data.success.get(i) ?? { value: null, flows: 0, hits: 0 }
        if (s.value === null) return { ...base, held: null, observed: `${s.flows} sign-in(s) reached the second factor during the drill, fewer than ${MIN_FLOWS}: not enough to judge` }
        return { ...base, held: s.value >= e.floor, observed: `${pct(s.value)} (${s.hits} of ${s.flows} flows succeeded)` }
      }
      case 'breaker_opens': {
        const t = data.breakerOpen.get(e.vendor)
        if (t === undefined || t < facts.firstFaultMs) return { ...base, held: false, observed: `the breaker for ${e.vendor} did not open during the drill` }
        return { ...base, held: t <= deadline, observed: `opened ${after(t)} after the first fault` }
      }
      case 'volume_increase': {
        const v = data.volume.get(i) ?? { before: 0, during: 0 }
        if (v.before === 0) return { ...base, held: v.during > 0 ? true : null, observed: `${v.during} during vs none before${v.during > 0 ? '' : ': no volume to compare'}` }
        const ratio = v.during / v.before
        return { ...base, held: ratio >= e.min_ratio, observed: `${v.during} during vs ${v.before} before (${round(ratio)}×)` }
      }
    }
  })
}

/** Read what the expectations need and judge them. */
export async function evaluateExpectations(client: ClickHouseClient, list: readonly Expectation[], facts: DrillFacts): Promise<ExpectationResult[]> {
  const data: ExpectationData = { firings: [], fallbacks: new Map(), success: new Map(), breakerOpen: new Map(), volume: new Map() }
  const end = facts.endMs + 1
  // An alert or a breaker may trail a drill that ended early: look as far as the longest `within`.
  const reach = (type: Expectation['type']) => Math.max(end, ...list.filter((e) => e.type === type).map((e) => facts.firstFaultMs + ('within' in e ? e.within * 1000 : 0) + 1))
  if (list.some((e) => e.type === 'alert_fires')) data.firings = shapeFirings(await runSql(client, alertFiringsSql(facts.firstFaultMs, reach('alert_fires'))))
  if (list.some((e) => e.type === 'breaker_opens')) for (const r of await runSql(client, breakerOpensSql(facts.firstFaultMs, reach('breaker_opens')))) data.breakerOpen.set(String(r.provider), num(r.t))
  for (const [i, e] of list.entries()) {
    if (e.type === 'fallback_share') data.fallbacks.set(i, await runSql(client, fallbacksSql(facts.firstFaultMs, Math.min(end, facts.firstFaultMs + e.within * 1000 + 1))))
    if (e.type === 'success_rate') data.success.set(i, await successRate(client, facts.startMs, end, e.user_group))
    if (e.type === 'volume_increase') {
      const len = Math.max(1000, Math.min(e.within * 1000, facts.endMs - facts.firstFaultMs))
      const r = (await runSql(client, volumeSql(e.event, facts.firstFaultMs - len, facts.firstFaultMs, facts.firstFaultMs + len)))[0] ?? {}
      data.volume.set(i, { before: num(r.before ?? 0), during: num(r.during ?? 0) })
    }
  }
  return judgeExpectations(list, facts, data)
}

