import type { Span } from '@opentelemetry/api'
import { ATTR, RISK_SIGNALS, type Client, type EventAttributes, type EventName, type RiskLevel, type RiskSignal } from '../../contract'
import type { IdpKeys } from '../keys'
import type { FlowRow, UserRow } from '../store/repo'
import type { IdpMetrics } from '../telemetry/metrics'
import type { SendResult } from '../subprocessors/types'
import type { Telemetry } from '../telemetry/telemetry'
import { networkOf } from './network'

/** Who is asking: what every event of the request carries (never an address or a raw id). */
export interface RequestCtx {
  span?: Span
  country?: string
  client: Client
  /** Client address (risk signals, and its /24 or /48 as `mfa.network`; the address is never emitted). */
  ip?: string
  /** The browser's device-id cookie (risk: new device; never emitted). */
  deviceId?: string
  /** The remember-this-device cookie, if any. */
  trustedToken?: string
  /** Set once the sign-in's risk is known; carried on its events. */
  riskLevel?: RiskLevel
  /** The signals behind `riskLevel`, set with it from the risk assessment. */
  riskSignals?: readonly RiskSignal[]
  /**
   * Set by `flowCtx` on a request acting on a stored sign-in flow: the `mfa.network` of the
   * request that started it (null when that one had none), carried instead of this request's.
   */
  network?: string | null
}

/**
 * The context of a request acting on a stored flow (a push answered from the phone, a code typed
 * later): its events carry the risk level, signals and network of the request that started the
 * flow, so each is attributed to where the password or passkey was presented, not to the phone.
 */
export function flowCtx(ctx: RequestCtx, flow: FlowRow | undefined): RequestCtx {
  if (!flow) return ctx
  const signals = flow.risk_signals?.split(',').filter((s): s is RiskSignal => (RISK_SIGNALS as readonly string[]).includes(s))
  return { ...ctx, country: ctx.country ?? flow.country ?? undefined, riskLevel: (flow.risk_level ?? undefined) as RiskLevel | undefined, riskSignals: signals, network: flow.network }
}

/** What a new flow stores of the request starting it, for `flowCtx` to restore on its later requests. */
export const flowOrigin = (ctx: RequestCtx) => ({ network: networkAttr(ctx), riskSignals: riskSignalsAttr(ctx.riskSignals) })

/** `mfa.network`: the starting request's for a flow's later requests (`flowCtx`), else this request's own. */
const networkAttr = (ctx: RequestCtx): string | undefined => (ctx.network === undefined ? networkOf(ctx.ip) : (ctx.network ?? undefined))

/** `mfa.risk_signals`: the signals in the contract's order, comma-joined; undefined (left out) when none. */
export function riskSignalsAttr(signals: readonly RiskSignal[] | undefined): string | undefined {
  const on = RISK_SIGNALS.filter((s) => signals?.includes(s))
  return on.length ? on.join(',') : undefined
}

/** What a security notice to an account's owner is about (login/notices.ts words and sends them). */
export type NoticeKind = 'recovery_requested' | 'recovery_approved' | 'recovery_completed' | 'password_changed' | 'factor_added' | 'factor_removed' | 'totp_replayed' | 'unfamiliar_signin' | 'repeated_failures'

/**
 * Sends security notices: implemented by login/notices.ts, which builds on this file, so the
 * shape is declared here (no import back, no cycle).
 */
export interface NoticeSender {
  send(user: UserRow, kind: NoticeKind, ctx: RequestCtx, o?: { factor?: string; country?: string }): Promise<boolean>
}

export interface EventDeps {
  region: string; keys: IdpKeys; telemetry: Telemetry; metrics: IdpMetrics
  /** Security notices to the account's owner (login/notices.ts); absent in unit tests that do not need them. */
  notices?: NoticeSender
}

/** The attributes every IdP event shares, and the terminal login event, in one place. */
export function eventHelpers(d: EventDeps) {
  const base = (ctx: RequestCtx, user?: Pick<UserRow, 'id' | 'user_group'>): EventAttributes => ({
    [ATTR.region]: d.region,
    [ATTR.country]: ctx.country,
    [ATTR.client]: ctx.client,
    [ATTR.riskLevel]: ctx.riskLevel,
    [ATTR.riskSignals]: riskSignalsAttr(ctx.riskSignals),
    [ATTR.network]: networkAttr(ctx),
    ...(user ? { [ATTR.userHash]: d.keys.userHash(user.id), [ATTR.userGroup]: user.user_group } : {}),
  })
  const emit = (name: EventName, attrs: EventAttributes, ctx: RequestCtx) => d.telemetry.emit(name, attrs, { span: ctx.span })
  const completed = (flowId: string, outcome: string, reason: string, ctx: RequestCtx, user?: UserRow, factor?: string) => {
    d.metrics.logins.inc({ outcome, reason })
    emit('mfa.login.completed', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.outcome]: outcome, [ATTR.reason]: reason, [ATTR.factor]: factor, [ATTR.intent]: 'login' }, ctx)
  }
  /** One vendor call as `mfa.provider.request` and its counter (SMS, voice, e-mail and push alike; no user yet for a sign-up's mail). */
  const providerRequest = (r: SendResult, channel: string, ctx: RequestCtx, user: UserRow | undefined, flowId: string | null, factor?: string) => {
    d.metrics.providerRequests.inc({ provider: r.provider, channel, outcome: r.ok ? 'success' : 'error' })
    emit('mfa.provider.request', {
      ...base(ctx, user), [ATTR.flowId]: flowId ?? undefined, [ATTR.provider]: r.provider, [ATTR.channel]: channel, [ATTR.factor]: factor,
      [ATTR.outcome]: r.ok ? 'success' : r.reason === 'timeout' ? 'timeout' : r.reason === 'rate_limited' ? 'rate_limited' : 'error',
      [ATTR.reason]: r.reason, [ATTR.latencyMs]: Math.round(r.latencyMs), [ATTR.httpStatusClass]: r.httpStatusClass,
      [ATTR.costMicros]: r.costMicros, [ATTR.providerMessageId]: r.providerMessageId,
    }, ctx)
  }
  return { base, emit, completed, providerRequest }
}
