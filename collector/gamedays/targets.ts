import { IdpFault, IdpFaultRequest, RunbookAction, RunbookActionRequest } from '../../contract'
import type { IdpStep, RunbookStep, ScenarioStep, SimulatorStep } from '../../dashboards/schema/gameday'
import { signAssertion, type SigningKey } from './assertion'

/** What a step is applied with: its game day and how long the target keeps the fault. */
export interface ApplyContext { gamedayId: string; durationSeconds: number; reason: string }
export interface Applied { remoteId: string; request: unknown; status: number }
/** A target answered something other than success; `status` 0 when it could not be reached. */
export class TargetError extends Error {
  constructor(readonly status: number, message: string, readonly request: unknown = null) {
    super(message)
  }
}

/** Where steps are applied and reverted: the IdP's fault and runbook APIs, and the provider simulator. */
export interface Targets {
  apply(step: ScenarioStep, ctx: ApplyContext): Promise<Applied>
  /** Revert a change; a change the target no longer knows (expired, already gone) counts as reverted. */
  revert(target: ScenarioStep['target'], remoteId: string): Promise<{ status: number }>
}

/** Pure mappings from a scenario step to each target's request. */
export function idpFaultRequest(st: IdpStep, c: ApplyContext): IdpFaultRequest {
  return IdpFaultRequest.parse({
    kind: st.fault, ...(st.vendor ? { vendor: st.vendor } : {}), channel: st.channel, region: st.region, share: st.share, ...(st.latency_ms !== undefined ? { latency_ms: st.latency_ms } : {}),
    scope: { ...(st.scope.user_group ? { user_group: st.scope.user_group } : {}), synthetic_only: st.scope.synthetic_only ?? false },
    duration_seconds: c.durationSeconds, gameday_id: c.gamedayId, reason: c.reason,
  })
}

export function runbookRequest(st: RunbookStep, c: ApplyContext): RunbookActionRequest {
  return RunbookActionRequest.parse({
    action: st.action, ...(st.vendor ? { vendor: st.vendor } : {}), channel: st.channel, region: st.region, ...(st.factor ? { factor: st.factor } : {}), ...(st.instead_of ? { instead_of: st.instead_of } : {}),
    duration_seconds: c.durationSeconds, gameday_id: c.gamedayId, reason: c.reason,
  })
}

/** The simulator's POST /faults body (reference-idp/simulator/faults.ts FaultRequest). */
export function simulatorRequest(st: SimulatorStep, c: ApplyContext): { vendor: string; region: string; kind: string; value?: number; durationSeconds: number } {
  const value = st.fault === 'latency' ? st.latency_ms : st.fault === 'rate_limit' ? st.rate_per_second : st.fault === 'error_rate' || st.fault === 'delivery_loss' ? st.share : undefined
  return { vendor: st.vendor, region: st.region, kind: st.fault, ...(value !== undefined ? { value } : {}), durationSeconds: c.durationSeconds }
}

export interface HttpTargetsOptions {
  idpUrl?: string
  simulatorUrl?: string
  key?: SigningKey
  now: () => number
  fetch?: typeof fetch
  timeoutMs?: number
}

/** The scenario's blast radius is already checked; scope defaults come from it (steps fill them at load). */
export function httpTargets(o: HttpTargetsOptions): Targets {
  const f = o.fetch ?? fetch
  const timeoutMs = o.timeoutMs ?? 10_000
  const call = async (base: string | undefined, what: string, method: string, path: string, body: unknown, auth: boolean): Promise<{ status: number; json: unknown }> => {
    if (!base) throw new TargetError(0, `no ${what} URL configured`, body)
    if (auth && !o.key) throw new TargetError(0, 'no service key configured (COLLECTOR_IDP_SERVICE_KEY)', body)
    let res: Response
    try {
      res = await f(`${base.replace(/\/+$/, '')}${path}`, {
        method, signal: AbortSignal.timeout(timeoutMs),
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(auth ? { authorization: `Bearer ${signAssertion(o.key!, o.now())}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (err) {
      throw new TargetError(0, `${what} unreachable: ${(err as Error).message}`, body)
    }
    const text = await res.text()
    let json: unknown = null
    try { json = text ? JSON.parse(text) : null } catch { json = null }
    return { status: res.status, json }
  }
  const failed = (what: string, r: { status: number; json: unknown }, request: unknown): never => {
    const e = (r.json as { error?: { message?: string } } | null)?.error?.message ?? ''
    throw new TargetError(r.status, `${what} answered ${r.status}${e ? `: ${e.slice(0, 200)}` : ''}`, request)
  }
  return {
    async apply(st, c) {
      if (st.target === 'idp') {
        const req = idpFaultRequest(st, c)
        const r = await call(o.idpUrl, 'IdP', 'POST', '/api/v1/admin/faults', req, true)
        if (r.status !== 201) failed('IdP fault API', r, req)
        return { remoteId: IdpFault.pick({ id: true }).parse(r.json).id, request: req, status: r.status }
      }
      if (st.target === 'runbook') {
        const req = runbookRequest(st, c)
        const r = await call(o.idpUrl, 'IdP', 'POST', '/api/v1/admin/runbook-actions', req, true)
        if (r.status !== 201) failed('IdP runbook API', r, req)
        return { remoteId: RunbookAction.pick({ id: true }).parse(r.json).id, request: req, status: r.status }
      }
      const req = simulatorRequest(st, c)
      const r = await call(o.simulatorUrl, 'simulator', 'POST', '/faults', req, false)
      if (r.status !== 201) failed('simulator fault API', r, req)
      return { remoteId: String((r.json as { id?: unknown }).id), request: req, status: r.status }
    },
    async revert(target, remoteId) {
      const id = encodeURIComponent(remoteId)
      const r = target === 'simulator'
        ? await call(o.simulatorUrl, 'simulator', 'DELETE', `/faults/${id}`, undefined, false)
        : await call(o.idpUrl, 'IdP', 'DELETE', target === 'idp' ? `/api/v1/admin/faults/${id}` : `/api/v1/admin/runbook-actions/${id}`, undefined, true)
      // 404: the target no longer has it (expired there, or a restarted simulator): nothing left to revert.
      if (r.status >= 200 && r.status < 300 || r.status === 404) return { status: r.status }
      return failed(target === 'simulator' ? 'simulator fault API' : 'IdP fault API', r, { remote_id: remoteId })
    },
  }
}
