import type { GameDay, GameDayState, GameDayStep, GuardrailReading } from '../../contract/gameday'

/** Pure helpers of the Game days page: what a drill's numbers read as. Times are epoch ms. */

/** A stopwatch: 75_000 → "1:15", 3_725_000 → "1:02:05"; negative clamps to 0. */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

/** Seconds as the report states them: 42 → "42 s", 95 → "1 min 35 s", null → "not seen". */
export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return 'not seen'
  const r = Math.round(s)
  if (r < 60) return `${r} s`
  const m = Math.floor(r / 60)
  return r % 60 ? `${m} min ${r % 60} s` : `${m} min`
}

/** Time since the drill started (or until it ended), and its planned length. */
export function elapsed(g: Pick<GameDay, 'started_at' | 'ended_at' | 'starts_at' | 'ends_at'>, now: number): { elapsedMs: number | null; plannedMs: number } {
  const plannedMs = Date.parse(g.ends_at) - Date.parse(g.starts_at)
  if (!g.started_at) return { elapsedMs: null, plannedMs }
  const end = g.ended_at ? Date.parse(g.ended_at) : now
  return { elapsedMs: Math.max(0, end - Date.parse(g.started_at)), plannedMs }
}

export function stepCounts(steps: readonly GameDayStep[]): { total: number; applied: number; reverted: number; pending: number; failed: number } {
  const n = (s: GameDayStep['state']) => steps.filter((x) => x.state === s).length
  return { total: steps.length, applied: n('applied'), reverted: n('reverted'), pending: n('pending'), failed: n('failed') }
}

/** A guardrail's reading: "no data yet", "tripped" or "ok", by what the controller reported. */
export function readingStatus(r: GuardrailReading): 'tripped' | 'ok' | 'no_data' {
  if (r.tripped) return 'tripped'
  return r.value === null ? 'no_data' : 'ok'
}

/** Readings are burn rates, success fractions or counts: three significant digits, no unit guessed. */
export function formatReading(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—'
  if (Number.isInteger(v)) return String(v)
  return String(Number(v.toPrecision(3)))
}

export const STATE_BADGE: Record<GameDayState, string> = {
  scheduled: 'badge badge-info',
  running: 'badge badge-warn',
  completed: 'badge badge-ok',
  aborted: 'badge badge-bad',
}

export const END_REASON: Record<NonNullable<GameDay['end_reason']>, string> = {
  completed: 'ran to the end',
  aborted_guardrail: 'aborted by a guardrail',
  aborted_manual: 'aborted by an operator',
  reverted: 'reverted after a controller restart',
}

/**
 * Only links the console can follow safely: its own pages ("/oncall?…") or http(s) addresses;
 * anything else (javascript:, data:) is shown as text.
 */
export function safeHref(href: string): string | null {
  if (/^\/(?!\/)/.test(href)) return href
  try {
    const u = new URL(href)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null
  } catch {
    return null
  }
}

/** Scheduled or running: shown live, abortable. */
export const isActiveState = (s: GameDayState) => s === 'scheduled' || s === 'running'
