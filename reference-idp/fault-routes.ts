import type { z } from 'zod'
import { IdpFaultRequest, RunbookActionRequest, type Factor, type IdpFault, type RunbookAction } from '../contract'
import { MfaError, type ErrorCode } from './errors'
import { parseInput } from './http/inputs'
import { sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
import type { Exchange, Route, RouteSpec } from './http/types'
import { serviceCaller } from './admin-routes'
import type { FaultActor, Gameday } from './faults/control'
import { createReplayGuard, type ServiceKeys } from './service-auth/assertion'

/** Audience of the service assertions that control faults: a provisioning assertion cannot be replayed here, nor the reverse. */
export const FAULT_AUDIENCE = 'factorwatch-idp-faults'

/** Factors a sign-in can offer first (promote_fallback): not the password, not e-mail (no second factor), not an admin's recovery. */
const PROMOTABLE: ReadonlySet<string> = new Set<Factor>(['webauthn', 'push', 'totp', 'sms', 'voice', 'recovery_code'])

export interface FaultRouteDeps {
  gameday: Gameday
  requireAdmin: (x: Exchange, action: string) => Promise<string>
  serviceKeys?: ServiceKeys
  now: () => Date
  /** The IdP's region (IDP_REGION): a fault for another one could never match. */
  region: string
  /** The registry's vendors this IdP sends through, with their channels (empty without IDP_PROVIDER_URL). */
  vendors: () => ReadonlyArray<{ id: string; channels: readonly string[] }>
}

const bad = (field: string, message: string) => new MfaError('bad_request', `${field}: ${message}`, { field })

const AUTH = 'An admin session with a fresh second factor, or `Authorization: Bearer <ES256 JWS>` signed by a key in IDP_SERVICE_KEYS with `aud` `factorwatch-idp-faults` (≤ 5 min, single use).'
const ERRORS: ErrorCode[] = ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required']

/** Game-day control routes: each route's facts (what /openapi.json describes). */
export const FAULT_ROUTES = routeTable({
  listFaults: {
    method: 'GET', path: '/api/v1/admin/faults', kind: 'api',
    docs: { summary: `Game-day faults injected in this IdP's vendor layer, active and ended in the last 24 h (contract IdpFault). ${AUTH}`, ok: [200, '`{faults: IdpFault[]}`'], errors: ERRORS, session: true },
  },
  applyFault: {
    method: 'POST', path: '/api/v1/admin/faults', kind: 'api', body: IdpFaultRequest,
    docs: { summary: `Inject a fault (error = 5xx, timeout, latency, rate_limit = 429 for a vendor × channel × region; idp_unavailable = 503 on a share of sign-ins) for a share of requests and a scope (user_group, synthetic_only), ending by itself after duration_seconds (≤ 4 h); audited and emitted as gameday.fault. ${AUTH}`, ok: [201, 'The fault (contract IdpFault)'], errors: [...ERRORS, 'bad_request'], session: true },
  },
  revokeFault: {
    method: 'DELETE', path: '/api/v1/admin/faults/{id}', kind: 'api',
    docs: { summary: `End a fault now (idempotent: an ended fault is returned as it is). ${AUTH}`, ok: [200, 'The fault with `revoked_at` and `active: false`'], errors: [...ERRORS, 'not_found'], session: true },
  },
  listActions: {
    method: 'GET', path: '/api/v1/admin/runbook-actions', kind: 'api',
    docs: { summary: `Runbook actions (drain_vendor, promote_fallback), active and ended in the last 24 h (contract RunbookAction). ${AUTH}`, ok: [200, '`{actions: RunbookAction[]}`'], errors: ERRORS, session: true },
  },
  applyAction: {
    method: 'POST', path: '/api/v1/admin/runbook-actions', kind: 'api', body: RunbookActionRequest,
    docs: { summary: `Start a time-limited runbook action: drain_vendor holds a vendor's circuit open (its traffic takes the fallback chain), promote_fallback offers \`factor\` first instead of \`instead_of\` to users who have it; it reverts by itself at expiry. ${AUTH}`, ok: [201, 'The action (contract RunbookAction)'], errors: [...ERRORS, 'bad_request'], session: true },
  },
  revokeAction: {
    method: 'DELETE', path: '/api/v1/admin/runbook-actions/{id}', kind: 'api',
    docs: { summary: `End a runbook action now. ${AUTH}`, ok: [200, 'The action with `revoked_at` and `active: false`'], errors: [...ERRORS, 'not_found'], session: true },
  },
})

/**
 * Game-day control of the IdP (docs/gamedays.md): faults in its own vendor layer and runbook
 * actions, each with an expiry the IdP enforces. Callers: an admin with a fresh second factor,
 * or a service with a single-use ES256 assertion (aud factorwatch-idp-faults) signed by a key
 * in IDP_SERVICE_KEYS (the collector's game-day controller).
 */
export function faultRoutes(o: FaultRouteDeps): Route[] {
  const replays = createReplayGuard()
  const actor = async (x: Exchange, action: string): Promise<FaultActor> => {
    const service = serviceCaller(x.req.headers.authorization, o.serviceKeys, replays, o.now().getTime(), { audience: FAULT_AUDIENCE, what: 'fault-control' })
    return service ? { kind: 'service', ...service } : { kind: 'admin', id: await o.requireAdmin(x, action) }
  }
  /** A vendor the IdP sends through, on a channel it serves: checked here so a typo is a 400, not a fault that never matches. */
  const checkVendor = (vendor: string | undefined, channel: string) => {
    if (vendor === undefined) return
    const known = o.vendors()
    const v = known.find((k) => k.id === vendor)
    if (!v) throw bad('vendor', known.length ? `expected one of ${known.map((k) => k.id).join(', ')}, got "${vendor.slice(0, 40)}"` : 'this IdP sends through no vendors (IDP_PROVIDER_URL is not set)')
    if (channel !== '*' && !v.channels.includes(channel)) throw bad('channel', `${vendor} serves ${v.channels.join(', ')}, not ${channel}`)
  }
  const checkRegion = (region: string) => {
    if (region !== '*' && region !== o.region) throw bad('region', `this IdP serves ${o.region}: expected "*" or "${o.region}", got "${region.slice(0, 40)}"`)
  }
  /** GET (list), POST (apply) and DELETE /{id} (revoke) of one kind of entry: faults, or runbook actions. */
  function resource<R, E>(r: {
    specs: { list: RouteSpec; apply: RouteSpec; revoke: RouteSpec }; listKey: string; noun: string; schema: z.ZodType<R>
    check(input: R): void
    list(): E[]
    apply(input: R, who: FaultActor): Promise<E>
    revoke(id: string, who: FaultActor): Promise<E | undefined>
  }): Route[] {
    return [
      route(r.specs.list, async (x) => {
        await actor(x, `reading ${r.noun}s`)
        await o.gameday.sweep()
        sendJson(x.res, 200, { [r.listKey]: r.list() })
      }),
      route(r.specs.apply, async (x) => {
        const who = await actor(x, `starting a ${r.noun}`)
        const input = parseInput(r.schema, await x.body())
        r.check(input)
        sendJson(x.res, 201, await r.apply(input, who))
      }),
      route(r.specs.revoke, async (x) => {
        const who = await actor(x, `ending a ${r.noun}`)
        const id = decodeURIComponent(x.url.pathname.slice(x.url.pathname.lastIndexOf('/') + 1))
        const entry = await r.revoke(id, who)
        if (!entry) throw new MfaError('not_found', `no ${r.noun} with id "${id.slice(0, 64)}"`)
        sendJson(x.res, 200, entry)
      }),
    ]
  }
  return [
    ...resource<IdpFaultRequest, IdpFault>({
      specs: { list: FAULT_ROUTES.listFaults, apply: FAULT_ROUTES.applyFault, revoke: FAULT_ROUTES.revokeFault }, listKey: 'faults', noun: 'game-day fault', schema: IdpFaultRequest,
      check(input) {
        checkVendor(input.vendor, input.channel)
        checkRegion(input.region)
      },
      list: () => o.gameday.registry.faults(),
      apply: (input, who) => o.gameday.applyFault(input, who),
      revoke: (id, who) => o.gameday.revokeFault(id, who),
    }),
    ...resource<RunbookActionRequest, RunbookAction>({
      specs: { list: FAULT_ROUTES.listActions, apply: FAULT_ROUTES.applyAction, revoke: FAULT_ROUTES.revokeAction }, listKey: 'actions', noun: 'runbook action', schema: RunbookActionRequest,
      check(input) {
        if (input.action === 'drain_vendor') checkVendor(input.vendor, input.channel)
        checkRegion(input.region)
        if (input.action === 'promote_fallback') {
          if (!PROMOTABLE.has(input.factor!)) throw bad('factor', `expected one of ${[...PROMOTABLE].join(', ')}, got ${input.factor}`)
          if (input.instead_of === input.factor) throw bad('instead_of', 'must differ from factor')
        }
      },
      list: () => o.gameday.registry.actions(),
      apply: (input, who) => o.gameday.applyAction(input, who),
      revoke: (id, who) => o.gameday.revokeAction(id, who),
    }),
  ]
}
