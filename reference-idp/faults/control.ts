import { randomUUID } from 'node:crypto'
import { ATTR, type EventAttributes, type IdpFault, type IdpFaultRequest, type RunbookAction, type RunbookActionRequest } from '../../contract'
import { MfaError } from '../errors'
import type { Exchange, Route } from '../http/types'
import type { Audit } from '../login/audit'
import type { Repo } from '../store/repo'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'
import { drillScope, type DrillScope } from './context'
import { faultyPushSender, faultySubprocessor, sleep as realSleep, type InjectDeps, type VendorFaults } from './inject'
import { drainOf, matchUnavailable, promoteOrder, scopeLabel, scoped, unavailableFaults, type FaultSubject } from './match'
import { createFaultRegistry, type FaultChange } from './registry'

/** Who changed a fault: an admin (user id, hashed in the audit log), a service (assertion kid/sub), or expiry. */
export type FaultActor = { kind: 'admin'; id: string } | { kind: 'service'; kid: string; sub: string } | { kind: 'expiry' }

/**
 * The synthetic accounts of this repo: the traffic generator signs its users up as
 * `traffic-<seed>-<run>-<n>@example.test` (reference-idp/traffic/setup.ts); probes use `probe-…`.
 * IDP_SYNTHETIC_EMAIL_PATTERN replaces it.
 */
export const DEFAULT_SYNTHETIC_EMAIL = /^(traffic|probe)-[^@]*@example\.test$/i

/** Sign-in steps an idp_unavailable fault answers with 503: the password (or passwordless) start, and the second-factor verify. */
const SIGN_IN_START = new Set(['POST /api/v1/login', 'POST /login', 'POST /api/v1/webauthn/login/options'])
const SIGN_IN_VERIFY: Record<string, string> = {
  'POST /api/v1/login/totp': 'totp', 'POST /login/totp': 'totp',
  'POST /api/v1/login/code': 'sms', 'POST /login/code': 'sms',
  'POST /api/v1/login/recovery-code': 'recovery_code', 'POST /login/recovery-code': 'recovery_code',
  'POST /api/v1/webauthn/login/verify': 'webauthn',
}
/** Retry-After of a sign-in refused by idp_unavailable. */
export const UNAVAILABLE_RETRY_SECONDS = 5

export interface GamedayDeps {
  now: () => Date
  region: string
  /** The IdP's telemetry before tagging (gameday.fault events carry their id explicitly). */
  telemetry: Telemetry
  metrics: Pick<IdpMetrics, 'circuitState'>
  audit: Pick<Audit, 'write'>
  repo: Pick<Repo, 'flow' | 'userById' | 'userByEmail'>
  synthetic?: RegExp
  rand?: () => number
  sleep?: InjectDeps['sleep']
  log: (line: string) => void
  /** How often expiries are looked for (audit + telemetry); the faults end by themselves regardless. */
  sweepMs?: number
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 320 ? v : undefined)

/**
 * Game days inside the IdP (the shell around faults/match.ts): the registry, what a change
 * writes (audit row, `gameday.fault`, a manual circuit change for drains), fault injection for
 * the vendor layer, idp_unavailable on the sign-in routes, promote_fallback for the login
 * service, and the tagging of a touched request's events with its game day.
 */
export function createGameday(d: GamedayDeps) {
  const registry = createFaultRegistry({ now: d.now })
  const rand = d.rand ?? Math.random
  const synthetic = d.synthetic ?? DEFAULT_SYNTHETIC_EMAIL
  const subjectOf = (email: string, userGroup?: string): FaultSubject => ({ userGroup, synthetic: synthetic.test(email) })

  /** Who a request is for: its flow's user, the e-mail it signs in with, or its session's user. */
  async function resolve(x: Exchange): Promise<FaultSubject | undefined> {
    const body: Record<string, unknown> = x.req.method === 'POST' ? await x.body().catch(() => ({})) : {}
    const flowId = str(body.flow_id) ?? str(x.url.searchParams.get('flow_id'))
    const flow = flowId ? await d.repo.flow(flowId).catch(() => undefined) : undefined
    let user = flow ? await d.repo.userById(flow.user_id) : undefined
    const email = str(body.email)?.trim().toLowerCase()
    if (!user && email) user = await d.repo.userByEmail(email)
    if (!user) {
      const id = await x.userId().catch(() => undefined)
      if (id) user = await d.repo.userById(id)
    }
    if (user) return subjectOf(user.email, user.user_group)
    return email ? subjectOf(email) : undefined
  }

  const touch = (gamedayId: string | null) => {
    const s = drillScope.current()
    if (s && gamedayId) s.gamedayId = gamedayId
  }

  const inject: InjectDeps = {
    faults: registry.rawFaults,
    now: d.now,
    rand,
    sleep: d.sleep ?? realSleep,
    subject: async () => drillScope.current()?.subject(),
    touched: (f) => touch(f.gameday_id),
  }

  const target = (e: IdpFault | RunbookAction) => `${e.vendor ?? 'idp'} ${e.channel}/${e.region}`
  const detail = (c: FaultChange, actor: FaultActor) => {
    const by = actor.kind === 'service' ? `service ${actor.kid}/${actor.sub}` : actor.kind
    const what = c.type === 'fault'
      ? `${c.entry.kind} ${target(c.entry)} ${Math.round(c.entry.share * 100)}% ${scopeLabel(c.entry.scope)}${c.entry.latency_ms ? ` +${c.entry.latency_ms}ms` : ''}`
      : `${c.entry.action} ${c.entry.action === 'drain_vendor' ? target(c.entry) : `${c.entry.factor} instead of ${c.entry.instead_of ?? 'first'}`}`
    return `${what} until ${c.entry.expires_at}${c.entry.gameday_id ? ` gameday ${c.entry.gameday_id}` : ''} by ${by}${c.entry.reason ? `: ${c.entry.reason}` : ''}`.slice(0, 500)
  }

  /** Audit row + `gameday.fault` (+ a manual circuit change for a drain). */
  async function record(c: FaultChange, actor: FaultActor): Promise<void> {
    const e = c.entry
    const kind = c.type === 'fault' ? c.entry.kind : c.entry.action
    await d.audit.write(`gameday.${c.type}.${c.reason}`, actor.kind === 'admin' ? actor.id : null, null, e.id, detail(c, actor))
    const attrs: EventAttributes = {
      [ATTR.faultId]: e.id, [ATTR.faultKind]: kind, [ATTR.reason]: c.reason,
      [ATTR.provider]: e.vendor ?? undefined, [ATTR.channel]: e.channel === '*' ? undefined : e.channel,
      [ATTR.region]: e.region === '*' ? d.region : e.region, [ATTR.gamedayId]: e.gameday_id ?? undefined,
      ...(c.type === 'fault' ? { [ATTR.faultShare]: c.entry.share, [ATTR.faultScope]: scopeLabel(c.entry.scope), [ATTR.latencyMs]: c.entry.latency_ms ?? undefined } : {}),
      ...(c.type === 'action' && c.entry.action === 'promote_fallback' ? { [ATTR.factor]: c.entry.factor ?? undefined, [ATTR.fallbackFrom]: c.entry.instead_of ?? undefined } : {}),
    }
    d.telemetry.emit('gameday.fault', attrs)
    if (c.type === 'action' && c.entry.action === 'drain_vendor' && c.entry.vendor) {
      const open = c.reason === 'applied'
      d.metrics.circuitState.set({ provider: c.entry.vendor }, open ? 2 : 0)
      d.telemetry.emit('mfa.circuit.changed', {
        [ATTR.provider]: c.entry.vendor, [ATTR.channel]: attrs[ATTR.channel], [ATTR.region]: attrs[ATTR.region], [ATTR.gamedayId]: e.gameday_id ?? undefined,
        [ATTR.circuitFromState]: open ? 'closed' : 'open', [ATTR.circuitState]: open ? 'open' : 'closed', [ATTR.reason]: 'manual',
      })
    }
  }

  async function sweep(): Promise<number> {
    const changes = registry.sweep()
    for (const c of changes) await record(c, { kind: 'expiry' })
    return changes.length
  }

  /** 503 + Retry-After for a sign-in step an idp_unavailable fault draws (F1); its event tells the refusal. */
  async function unavailable(x: Exchange, key: string, scope: DrillScope): Promise<void> {
    const now = d.now()
    const candidates = unavailableFaults(registry.rawFaults(), d.region, now)
    if (candidates.length === 0) return
    const subject = candidates.some((f) => scoped(f.scope)) ? await scope.subject() : undefined
    const f = matchUnavailable(candidates, d.region, subject, now, rand)
    if (!f) return
    touch(f.gameday_id)
    const body: Record<string, unknown> = await x.body().catch(() => ({}))
    const base = { [ATTR.region]: d.region, [ATTR.client]: x.ctx.client, [ATTR.country]: x.ctx.country, [ATTR.userGroup]: subject?.userGroup, [ATTR.gamedayId]: f.gameday_id ?? undefined, [ATTR.intent]: 'login' }
    const flowId = str(body.flow_id) ?? randomUUID()
    if (SIGN_IN_START.has(key)) d.telemetry.emit('mfa.login.completed', { ...base, [ATTR.flowId]: flowId, [ATTR.outcome]: 'error', [ATTR.reason]: 'idp_unavailable' }, { span: x.ctx.span })
    else {
      const factor = SIGN_IN_VERIFY[key] === 'sms' && body.channel === 'voice' ? 'voice' : SIGN_IN_VERIFY[key]
      d.telemetry.emit('mfa.challenge.verified', { ...base, [ATTR.flowId]: flowId, [ATTR.factor]: factor, [ATTR.outcome]: 'error', [ATTR.reason]: 'internal_error' }, { span: x.ctx.span })
    }
    throw new MfaError('overloaded', `sign-in is unavailable right now; retry in ${UNAVAILABLE_RETRY_SECONDS} s`, { retry_after_seconds: UNAVAILABLE_RETRY_SECONDS }, UNAVAILABLE_RETRY_SECONDS)
  }

  const vendorFaults: VendorFaults = {
    subprocessor: (a, vendor, timeoutMs) => faultySubprocessor(a, vendor, timeoutMs, inject),
    push: (a, vendor, timeoutMs) => faultyPushSender(a, vendor, timeoutMs, inject),
    drained(vendor, channel, region) {
      const a = drainOf(registry.rawActions(), vendor, channel, region, d.now())
      if (a) touch(a.gameday_id)
      return a !== undefined
    },
  }

  let timer: ReturnType<typeof setInterval> | undefined
  return {
    registry,
    vendorFaults,
    sweep,
    /** Every change of the API goes through here: registry, then audit and telemetry. */
    async applyFault(r: IdpFaultRequest, actor: FaultActor): Promise<IdpFault> {
      await sweep()
      const f = registry.addFault(r)
      await record({ type: 'fault', entry: f, reason: 'applied' }, actor)
      return f
    },
    async applyAction(r: RunbookActionRequest, actor: FaultActor): Promise<RunbookAction> {
      await sweep()
      const a = registry.addAction(r)
      await record({ type: 'action', entry: a, reason: 'applied' }, actor)
      return a
    },
    /** undefined: no such id; an ended entry is returned unchanged (no second audit row). */
    async revokeFault(id: string, actor: FaultActor): Promise<IdpFault | undefined> {
      await sweep()
      const r = registry.revokeFault(id)
      if (r?.changed) await record({ type: 'fault', entry: r.entry, reason: 'revoked' }, actor)
      return r?.entry
    },
    async revokeAction(id: string, actor: FaultActor): Promise<RunbookAction | undefined> {
      await sweep()
      const r = registry.revokeAction(id)
      if (r?.changed) await record({ type: 'action', entry: r.entry, reason: 'revoked' }, actor)
      return r?.entry
    },
    /** Login factor order under promote_fallback (login service hook). */
    promote: <F extends string>(have: F[]): F[] => {
      const r = promoteOrder(registry.rawActions(), have, d.region, d.now())
      if (r.action) touch(r.action.gameday_id)
      return r.order
    },
    /** The IdP's telemetry with `mfa.gameday_id` added to events of requests a fault touched. */
    tag(t: Telemetry): Telemetry {
      return {
        emit(name, attrs, ctx) {
          const g = drillScope.current()?.gamedayId
          t.emit(name, g && attrs[ATTR.gamedayId] === undefined ? { ...attrs, [ATTR.gamedayId]: g } : attrs, ctx)
        },
        span: (name, attrs, fn, kind, request) => t.span(name, attrs, fn, kind, request),
        step: (parent, name, attrs, fn) => t.step(parent, name, attrs, fn),
        flush: () => t.flush(),
        shutdown: () => t.shutdown(),
      }
    },
    /**
     * Run every route inside a drill scope (who it is for, resolved only when asked), and put
     * the sign-in steps behind idp_unavailable. Mutates the handlers in place: one call in
     * server.ts, whatever its routing looks like.
     */
    guard(routes: Route[]): void {
      for (const r of routes) {
        const handler = r.handler
        const key = `${r.method} ${r.path}`
        const signIn = SIGN_IN_START.has(key) || key in SIGN_IN_VERIFY
        r.handler = (x) => {
          let subject: Promise<FaultSubject | undefined> | undefined
          const scope: DrillScope = { subject: () => (subject ??= resolve(x).catch(() => undefined)) }
          return drillScope.run(scope, async () => {
            if (signIn) await unavailable(x, key, scope)
            await handler(x)
          })
        }
      }
    },
    start(): void {
      timer = setInterval(() => void sweep().catch((e: unknown) => d.log(`gameday sweep: ${e instanceof Error ? e.message : String(e)}`)), d.sweepMs ?? 1000)
      timer.unref()
    },
    close(): void {
      clearInterval(timer)
    },
  }
}
export type Gameday = ReturnType<typeof createGameday>
