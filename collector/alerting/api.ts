import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import {
  AlertHistoryResponse, AlertsResponse, AlertState, ExpiredResponse, IdResponse, MaintenanceCreate, MaintenanceResponse, RunbookResponse, Severity,
  SilenceCreate, SilencesResponse, SlosResponse, type MaintenanceWindow, type Silence,
} from '../../contract'
import { dashboardsPath, formatPath } from '../../dashboards/schema/yaml-file'
import type { ExtraRoute, RouteReply } from '../query/server'
import type { AlertEngine } from './engine'
import { badRegex, muteState, type Mute } from './silences'

const MAX_BODY = 64 * 1024
const DAY_MS = 86_400_000

const bad = (parameter: string, message: string): RouteReply => ({ status: 400, body: { error: { code: 'invalid_parameter', message: `${parameter}: ${message}`, parameter } } })
const notFound = (what: string): RouteReply => ({ status: 404, body: { error: { code: 'not_found', message: what } } })
/** Responses are checked against the contract before they leave: a drift is our bug, caught here. */
const ok = <S extends z.ZodType>(schema: S, body: z.infer<S>, status = 200): RouteReply => ({ status, body: schema.parse(body) })

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; reply: RouteReply }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > MAX_BODY) return { ok: false, reply: { status: 413, body: { error: { code: 'body_too_large', message: `request body exceeds ${MAX_BODY} bytes` } } } }
    chunks.push(c as Buffer)
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) }
  } catch {
    return { ok: false, reply: bad('body', 'expected a JSON object') }
  }
}

function parseQuery<S extends z.ZodObject>(schema: S, url: URL): { ok: true; value: z.infer<S> } | { ok: false; reply: RouteReply } {
  const known = Object.keys(schema.shape)
  for (const k of url.searchParams.keys()) if (!known.includes(k)) return { ok: false, reply: bad(k, `unknown parameter, expected one of ${known.join(', ')}`) }
  const r = schema.safeParse(Object.fromEntries(url.searchParams))
  if (r.success) return { ok: true, value: r.data }
  const issue = r.error.issues[0]
  return { ok: false, reply: bad(formatPath(issue.path), issue.message) }
}

const isoParam = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))

const silenceJson = (m: Mute, now: number): Silence => ({ id: m.id, matchers: m.matchers, startsAt: new Date(m.startsAt).toISOString(), endsAt: new Date(m.endsAt).toISOString(), createdBy: m.createdBy, comment: m.comment, state: muteState(m, now) })
const windowJson = (m: Mute, now: number): MaintenanceWindow => ({ id: m.id, name: m.name, matchers: m.matchers, startsAt: new Date(m.startsAt).toISOString(), endsAt: new Date(m.endsAt).toISOString(), comment: m.comment, source: m.source, state: muteState(m, now) })

/** The SLO and alerting routes of the query port (contract/slo.ts). */
export function alertingRoutes(engine: AlertEngine, now: () => number): ExtraRoute[] {
  const createMute = async (req: IncomingMessage, kind: Mute['kind']): Promise<RouteReply> => {
    const body = await readJson(req)
    if (!body.ok) return body.reply
    const t = now()
    const parsed = kind === 'silence' ? SilenceCreate.safeParse(body.value) : MaintenanceCreate.safeParse(body.value)
    if (!parsed.success) return bad(formatPath(parsed.error.issues[0].path), parsed.error.issues[0].message)
    const v = parsed.data
    const regex = badRegex(v.matchers)
    if (regex) return bad(regex.split(':')[0], regex.slice(regex.indexOf(':') + 2))
    const startsAt = v.startsAt ? Date.parse(v.startsAt) : t
    const endsAt = Date.parse(v.endsAt)
    if (endsAt <= startsAt) return bad('endsAt', `got ${v.endsAt}, expected a time after startsAt`)
    if (endsAt <= t) return bad('endsAt', `got ${v.endsAt}, expected a time in the future`)
    const m: Mute = {
      id: randomUUID(), kind, name: 'name' in v ? v.name : '', matchers: v.matchers, startsAt, endsAt,
      createdBy: 'createdBy' in v ? v.createdBy : '', comment: v.comment, source: 'api',
    }
    await engine.saveMute(m)
    return ok(IdResponse, { id: m.id }, 201)
  }
  const expireMute = async (url: URL, kind: Mute['kind']): Promise<RouteReply> => {
    const id = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1))
    const m = engine.mutes().find((x) => x.id === id && x.kind === kind)
    if (!m) return notFound(`no ${kind} ${id.slice(0, 80)}`)
    if (m.source === 'file') return { status: 409, body: { error: { code: 'read_only', message: `${kind} ${id} comes from dashboards/maintenance.yaml; edit the file` } } }
    const t = now()
    if (m.endsAt > t) await engine.saveMute({ ...m, endsAt: Math.max(t, m.startsAt) })
    return ok(ExpiredResponse, { id, state: 'expired' })
  }

  return [
    { method: 'GET', path: '/api/v1/slos', handle: async (_req, url) => {
      const q = parseQuery(z.object({ id: z.string().optional() }), url)
      if (!q.ok) return q.reply
      const slos = (await engine.slos()).filter((s) => !q.value.id || s.id === q.value.id)
      if (q.value.id && slos.length === 0) return bad('id', `unknown SLO ${q.value.id.slice(0, 80)}`)
      return ok(SlosResponse, { generated_at: new Date(now()).toISOString(), slos })
    } },
    { method: 'GET', path: '/api/v1/alerts', handle: async (_req, url) => {
      const q = parseQuery(z.object({ id: z.string().optional(), state: AlertState.optional(), severity: Severity.optional() }), url)
      if (!q.ok) return q.reply
      const { id, state, severity } = q.value
      const alerts = engine.alerts().filter((a) => (!id || a.id === id) && (!state || a.state === state) && (!severity || a.severity === severity))
      return ok(AlertsResponse, { generated_at: new Date(now()).toISOString(), alerts })
    } },
    { method: 'GET', path: '/api/v1/alerts/history', handle: async (_req, url) => {
      const q = parseQuery(z.object({ from: isoParam.optional(), to: isoParam.optional(), alert: z.string().max(300).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(500) }), url)
      if (!q.ok) return q.reply
      const t = now()
      const toMs = q.value.to ?? t + 1
      const fromMs = q.value.from ?? toMs - 7 * DAY_MS
      if (fromMs >= toMs) return bad('from', 'expected a time before to')
      return ok(AlertHistoryResponse, { transitions: await engine.history({ fromMs, toMs, alertId: q.value.alert, limit: q.value.limit }) })
    } },
    { method: 'GET', path: '/api/v1/silences', handle: async () => ok(SilencesResponse, { silences: engine.mutes().filter((m) => m.kind === 'silence').map((m) => silenceJson(m, now())) }) },
    { method: 'POST', path: '/api/v1/silences', handle: (req) => createMute(req, 'silence') },
    { method: 'DELETE', path: '/api/v1/silences/{id}', handle: async (_req, url) => expireMute(url, 'silence') },
    { method: 'GET', path: '/api/v1/maintenance', handle: async () => ok(MaintenanceResponse, { windows: engine.mutes().filter((m) => m.kind === 'maintenance').map((m) => windowJson(m, now())) }) },
    { method: 'POST', path: '/api/v1/maintenance', handle: (req) => createMute(req, 'maintenance') },
    { method: 'DELETE', path: '/api/v1/maintenance/{id}', handle: async (_req, url) => expireMute(url, 'maintenance') },
    { method: 'GET', path: '/api/v1/runbooks/{name}', handle: async (_req, url) => {
      const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1)
      if (!/^[a-z0-9-]+$/.test(name)) return bad('name', 'expected a runbook name of lower-case letters, digits and dashes')
      const path = dashboardsPath(`runbooks/${name}.md`)
      if (!existsSync(path)) return notFound(`no runbook ${name}`)
      const markdown = readFileSync(path, 'utf8')
      return ok(RunbookResponse, { name, title: /^#\s+(.+)$/m.exec(markdown)?.[1] ?? name, markdown })
    } },
  ]
}
