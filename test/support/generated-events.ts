import { createHash } from 'node:crypto'
import { buildEvent, type EventAttributes, type EventName } from '../../contract'
import { type MfaEventRow, mfaEventRow } from '../../collector/storage/rows'

/**
 * Seeded, contract-valid MFA traffic over a span of time: sign-ins with every factor, vendor
 * sends and receipts (some failing), fallbacks, circuit changes, lockouts, recoveries, bypasses
 * and enrollment snapshots. Every record goes through `buildEvent`, so a shape the contract
 * rejects fails here. Same seed, same rows.
 */

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32)
const FACTORS = [
  { factor: 'totp' }, { factor: 'webauthn' }, { factor: 'push', channel: 'push', providers: ['fcm', 'apns'] },
  { factor: 'sms', channel: 'sms', providers: ['twilio', 'vonage'] }, { factor: 'voice', channel: 'voice', providers: ['vonage'] },
  { factor: 'email', channel: 'email', providers: ['ses', 'sendgrid'] },
] as const
const GROUPS = ['admin', 'workforce', 'customer', 'vendor'] as const
const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const
const CLIENTS = ['web', 'ios', 'android', 'api'] as const
const COUNTRIES = ['DE', 'US', 'FR', 'IN', 'BR'] as const

export function generatedEvents(opts: { fromMs: number; toMs: number; flows: number; seed?: number }): MfaEventRow[] {
  return generatedContractEvents(opts).map((e) => mfaEventRow(e))
}

/** One generated event as a producer sends it: time, service and the contract's attributes. */
export interface GeneratedEvent { tsMs: number; service: string; attrs: Record<string, string | number> }

/** The same traffic as `generatedEvents`, as contract attributes (for OTLP senders such as `npm run bench`). */
export function generatedContractEvents(opts: { fromMs: number; toMs: number; flows: number; seed?: number }): GeneratedEvent[] {
  const rnd = prng(opts.seed ?? 17)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
  const rows: GeneratedEvent[] = []
  let n = 0
  const e = (tsMs: number, name: EventName, attrs: EventAttributes) => {
    if (tsMs >= opts.toMs) return
    rows.push({ tsMs, service: 'reference-idp', attrs: buildEvent(name, attrs, () => `gen-${opts.seed ?? 17}-${++n}`) })
  }
  const span = opts.toMs - opts.fromMs
  for (let i = 0; i < opts.flows; i++) {
    const t = opts.fromMs + Math.floor(rnd() * span)
    const user = `user-${Math.floor(rnd() * 300)}`
    const flow = `gen-flow-${i}`
    const f = pick(FACTORS)
    const who: EventAttributes = {
      'mfa.user_hash': hash(user), 'mfa.user_group': pick(GROUPS), 'mfa.region': pick(REGIONS), 'mfa.client': pick(CLIENTS),
      'mfa.country': pick(COUNTRIES), 'mfa.risk_level': rnd() < 0.8 ? 'low' : rnd() < 0.7 ? 'medium' : 'high', 'mfa.intent': 'login',
    }
    const fa: EventAttributes = { ...who, 'mfa.flow_id': flow, 'mfa.factor': f.factor, ...('channel' in f ? { 'mfa.channel': f.channel } : {}) }
    e(t, 'mfa.login.started', { ...who, 'mfa.flow_id': flow, 'mfa.reason': 'password_verified' })
    e(t + 200, 'mfa.challenge.issued', { ...fa, 'mfa.reason': 'login_required' })
    let at = t + 400
    if ('providers' in f) {
      const provider = pick(f.providers)
      const failed = rnd() < 0.15
      const id = `msg-${i}`
      e(at, 'mfa.provider.request', {
        ...fa, 'mfa.provider': provider, 'mfa.outcome': failed ? (rnd() < 0.5 ? 'error' : 'timeout') : 'success', 'mfa.reason': failed ? (rnd() < 0.5 ? 'http_5xx' : 'timeout') : 'ok',
        'mfa.latency_ms': Math.round(80 + rnd() * 900), 'mfa.provider_message_id': id, 'mfa.cost_micros': Math.round(rnd() * 8000),
      })
      if (failed && f.providers.length > 1) {
        const other = f.providers.find((p) => p !== provider)!
        e(at + 50, 'mfa.fallback', { ...fa, 'mfa.fallback_from': provider, 'mfa.fallback_to': other, 'mfa.reason': 'provider_error' })
        e(at + 100, 'mfa.provider.request', { ...fa, 'mfa.provider': other, 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 300, 'mfa.provider_message_id': `${id}-b`, 'mfa.cost_micros': 5000 })
      }
      if (!failed && f.channel !== 'push') {
        const ok = rnd() < 0.9
        e(at + 2000 + rnd() * 8000, 'mfa.provider.delivery', {
          'mfa.provider': provider, 'mfa.channel': f.channel, 'mfa.outcome': ok ? 'success' : 'failure', 'mfa.reason': ok ? 'delivered' : 'undeliverable',
          'mfa.latency_ms': Math.round(2000 + rnd() * 8000), 'mfa.provider_message_id': id,
        })
      }
      at += 200
    }
    const r = rnd()
    if (r < 0.08) {
      e(t + 600_000 + 60_000, 'mfa.login.completed', { ...who, 'mfa.flow_id': flow, 'mfa.outcome': 'abandoned', 'mfa.reason': 'abandoned' })
      continue
    }
    const attempts = r < 0.25 ? 2 : 1
    for (let k = 1; k <= attempts; k++) {
      const last = k === attempts
      const outcome = !last ? 'failure' : r < 0.12 ? 'rate_limited' : r < 0.15 ? 'error' : 'success'
      const reason = outcome === 'success' ? 'ok' : outcome === 'failure' ? 'invalid_code' : outcome === 'error' ? 'provider_error' : 'rate_limited'
      at += 3000 + rnd() * 20_000
      e(at, 'mfa.challenge.verified', { ...fa, 'mfa.outcome': outcome, 'mfa.reason': reason, 'mfa.attempt': k, 'mfa.latency_ms': Math.round(at - t) })
    }
    const ok = r >= 0.15
    e(at + 100, 'mfa.login.completed', { ...who, 'mfa.flow_id': flow, 'mfa.factor': f.factor, 'mfa.outcome': ok ? 'success' : 'failure', 'mfa.reason': ok ? 'mfa_satisfied' : 'mfa_failed' })
    if (!ok && rnd() < 0.3) e(at + 200, 'mfa.lockout', { ...who, 'mfa.flow_id': flow, 'mfa.factor': f.factor, 'mfa.reason': 'too_many_failures' })
  }
  // A vendor's breaker opening and closing again, a few times over the span.
  for (let k = 0; k < 4; k++) {
    const t = opts.fromMs + Math.floor(((k + 0.5) / 4) * span)
    const c = (dt: number, from: string, to: string, reason: string) =>
      e(t + dt, 'mfa.circuit.changed', { 'mfa.provider': 'twilio', 'mfa.channel': 'sms', 'mfa.circuit_from_state': from, 'mfa.circuit_state': to, 'mfa.reason': reason })
    c(0, 'closed', 'open', 'failure_threshold'); c(30_000, 'open', 'half_open', 'cooldown_elapsed'); c(31_000, 'half_open', 'closed', 'probe_succeeded')
  }
  // Account events: recovery, bypass, step-up; hourly enrollment snapshots.
  for (let t = opts.fromMs; t < opts.toMs; t += 3_600_000) {
    const user = hash(`acct-${t}`)
    e(t + 60_000, 'mfa.recovery', { 'mfa.user_hash': user, 'mfa.factor': 'admin_recovery', 'mfa.reason': pick(['requested', 'approved', 'completed', 'denied'] as const), 'mfa.intent': 'recovery' })
    e(t + 120_000, 'mfa.bypass', { 'mfa.user_hash': user, 'mfa.user_group': pick(GROUPS), 'mfa.flow_id': `byp-${t}`, 'mfa.reason': pick(['trusted_device', 'policy_exempt', 'admin_override', 'break_glass'] as const) })
    e(t + 180_000, 'mfa.stepup', { 'mfa.user_hash': user, 'mfa.flow_id': `su-${t}`, 'mfa.reason': 'satisfied' })
    for (const g of GROUPS) {
      const total = 100
      for (const factor of ['totp', 'webauthn', 'sms'] as const) e(t + 240_000, 'mfa.enrollment.snapshot', { 'mfa.user_group': g, 'mfa.factor': factor, 'mfa.enrolled_count': Math.floor(rnd() * total), 'mfa.total_count': total, 'mfa.reason': 'scheduled' })
    }
  }
  return rows
}
