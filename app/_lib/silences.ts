import { z } from 'zod'
import { ExpiredResponse, IdResponse, type Matcher, SilenceCreate } from '../../contract/slo'
import { type CollectorDeps, callCollector, ConsoleError, describeIssues } from './collector-client'

/**
 * Silences from the console: the form's text is parsed here (pure, shared with the browser for
 * inline errors) and turned into the contract's SilenceCreate on the server, which owns `now`.
 */

export const SILENCE_DURATIONS = [
  { minutes: 30, label: '30 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 120, label: '2 hours' },
  { minutes: 240, label: '4 hours' },
  { minutes: 720, label: '12 hours' },
  { minutes: 1440, label: '1 day' },
  { minutes: 4320, label: '3 days' },
] as const
export const MAX_SILENCE_MINUTES = 7 * 24 * 60

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export type MatcherParse = { ok: true; matchers: Matcher[] } | { ok: false; error: string }

/**
 * `alertname="VendorDown", vendor=~"twilio|vonage", severity!=ticket` → Alertmanager matchers.
 * Operators =, !=, =~, !~; values may be quoted; separated by commas or new lines.
 */
export function parseMatchers(text: string): MatcherParse {
  const parts = text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean)
  if (parts.length === 0) return { ok: false, error: 'add at least one matcher, e.g. alertname="VendorDown"' }
  const matchers: Matcher[] = []
  for (const part of parts) {
    const m = /^([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*)$/.exec(part)
    if (!m) return { ok: false, error: `invalid matcher "${part.slice(0, 60)}": expected name=value, name!=value, name=~regex or name!~regex` }
    const [, name, op, rawValue] = m
    if (!LABEL.test(name)) return { ok: false, error: `invalid label name "${name.slice(0, 60)}": letters, digits and _ only, not starting with a digit` }
    const value = /^".*"$/.test(rawValue) ? rawValue.slice(1, -1) : rawValue
    const isRegex = op === '=~' || op === '!~'
    if (isRegex) {
      try {
        new RegExp(`^(?:${value})$`)
      } catch {
        return { ok: false, error: `invalid regular expression for ${name}: "${value.slice(0, 60)}"` }
      }
    }
    matchers.push({ name, value, isRegex, isEqual: op === '=' || op === '=~' })
  }
  return { ok: true, matchers }
}

/** Alertmanager's own text form, for showing a silence: `vendor=~"twilio"`. */
export function formatMatcher(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!='
  return `${m.name}${op}"${m.value}"`
}

/** The labels of an alert as matchers text, to silence exactly it. */
export function matchersFor(labels: Record<string, string>): string {
  const keys = ['alertname', 'slo', 'vendor', 'channel', 'user_group'].filter((k) => labels[k] !== undefined)
  return keys.map((k) => `${k}="${labels[k]}"`).join(', ')
}

/** What the console's POST /api/silences accepts. */
export const SilenceForm = z.object({
  matchers: z.string().max(2000),
  durationMinutes: z.number().int().min(1).max(MAX_SILENCE_MINUTES),
  comment: z.string().trim().min(1, 'say why').max(500),
  createdBy: z.string().trim().min(1, 'say who').max(100),
})
export type SilenceForm = z.infer<typeof SilenceForm>

/** Pure: the form and `now` → the collector's SilenceCreate, or a ConsoleError naming the field. */
export function silenceRequest(body: unknown, now: Date): SilenceCreate {
  const form = SilenceForm.safeParse(body)
  if (!form.success) {
    const field = String(form.error.issues[0].path[0] ?? 'body')
    throw new ConsoleError('invalid_parameter', `invalid silence: ${describeIssues(form.error, 1)}`, field)
  }
  const matchers = parseMatchers(form.data.matchers)
  if (!matchers.ok) throw new ConsoleError('invalid_parameter', matchers.error, 'matchers')
  return SilenceCreate.parse({
    matchers: matchers.matchers,
    startsAt: now.toISOString(),
    endsAt: new Date(now.getTime() + form.data.durationMinutes * 60_000).toISOString(),
    createdBy: form.data.createdBy,
    comment: form.data.comment,
  })
}

export async function createSilence(body: unknown, deps: CollectorDeps, now: Date): Promise<{ id: string }> {
  return callCollector(deps, 'POST', '/api/v1/silences', {}, IdResponse, silenceRequest(body, now))
}

const SILENCE_ID = /^[A-Za-z0-9_.:-]{1,128}$/

export async function expireSilence(id: string, deps: CollectorDeps): Promise<{ id: string; state: 'expired' }> {
  if (!SILENCE_ID.test(id)) throw new ConsoleError('invalid_parameter', `invalid silence id: got "${id.slice(0, 80)}"`, 'id')
  return callCollector(deps, 'DELETE', `/api/v1/silences/${encodeURIComponent(id)}`, {}, ExpiredResponse)
}
