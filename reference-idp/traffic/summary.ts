import { formatDuration } from './duration'
import { SCENARIO_KINDS, type ScenarioKind, type SecondFactor } from './plan'

/** Counters of one run, the progress line and the final summary. Pure apart from Math.random in the reservoir. */

/** `failed_delivery`: an SMS / voice code never reached the user's device, even after one resend. */
export type Outcome = 'authenticated' | 'failed' | 'failed_delivery' | 'abandoned' | 'locked' | 'expired' | 'rate_limited' | 'error' | 'unfinished'
export const OUTCOMES: readonly Outcome[] = ['authenticated', 'failed', 'failed_delivery', 'abandoned', 'locked', 'expired', 'rate_limited', 'error', 'unfinished']

/** Nearest-rank percentile of an ascending array (q in [0, 1]); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil(q * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** Latencies in ms: exact up to `capacity` values, a uniform reservoir sample beyond. */
export class LatencySample {
  private readonly values: number[] = []
  count = 0
  max = 0
  constructor(private readonly capacity = 20_000, private readonly rand: () => number = Math.random) {}

  add(ms: number): void {
    this.count++
    if (ms > this.max) this.max = ms
    if (this.values.length < this.capacity) this.values.push(ms)
    else {
      const j = Math.floor(this.rand() * this.count)
      if (j < this.capacity) this.values[j] = ms
    }
  }

  quantiles(...qs: number[]): number[] {
    const sorted = [...this.values].sort((a, b) => a - b)
    return qs.map((q) => percentile(sorted, q))
  }
}

export interface RequestStats {
  total: number
  byStatus: Map<number, number>
  transportErrors: number
  rateLimited: number
  /** Responses the scenario did not expect (any status), e.g. a 400 on login. */
  unexpected: number
  latency: LatencySample
  byEndpoint: Map<string, LatencySample>
}

/** Reads of the simulator's device API, kept apart from the IdP's request counters. */
export interface DeviceStats {
  reads: number
  errors: number
}

export const newDeviceStats = (): DeviceStats => ({ reads: 0, errors: 0 })

const FACTOR_LABELS: readonly [SecondFactor, string][] = [['totp', 'TOTP'], ['sms', 'SMS'], ['voice', 'voice'], ['push', 'push'], ['passkey', 'passkey'], ['none', 'password-only']]

/** Attacks from the attackers' networks (attacks.ts), counted apart from the users' logins. */
export interface AttackStats {
  started: number
  inFlight: number
  /** Stuffed sign-ins; of them answered 429 (per-address limit) and 403 (risk policy: a hit on an SMS/voice-only user). */
  stuffing: number
  stuffingLimited: number
  stuffingRisk: number
  /** Second-factor brute force after a stuffing hit; of them ending locked (423). */
  bruteForce: number
  bruteForceLocked: number
  recoveryAbuse: number
  /** Push bombing after a stuffing hit on a push user: attacks, pushes sent, and how each ended. */
  pushBombing: number
  bombPushes: number
  bombDenied: number
  bombFraud: number
  bombUnanswered: number
  /** An attacker's push approved: never with number matching, unless the victim guessed the attacker's number. */
  bombApproved: number
  /** Refused a push for now (429: one already waiting, the hourly quota). */
  bombLimited: number
  /** Push locked (fraud report) or paused (bombing), or the account's second factor locked: the attacker gives up. */
  bombLocked: number
}

/** Passkey users' logins by route. */
export interface PasskeyStats {
  passwordless: number
  afterPassword: number
}

/** Push users' logins and what their phones did. */
export interface PushStats {
  approved: number
  /** A wrong number typed first (number_mismatch), then approved after a new push. */
  typos: number
  /** Pushes of a sign-in the user never answered (the sign-in is abandoned). */
  unanswered: number
  /** Logins finished with the app's code instead: push locked or paused, or the push not sent or not delivered. */
  totpInstead: number
  /** Unexpected pushes (not of a sign-in the user started) denied, and reported as fraud. */
  denied: number
  fraud: number
  /** Pushes read after they were over (delivered late): the IdP refused the answer. */
  stale: number
  /** Users who changed their password at the sign-in after a fraud report (which lifts the push lock). */
  passwordChanged: number
}

/** Lost devices: logins with a recovery code, code sets created after a login and replaced after a recovery. */
export interface RecoveryStats {
  created: number
  recovered: number
  regenerated: number
}

export const newAttackStats = (): AttackStats => ({
  started: 0, inFlight: 0, stuffing: 0, stuffingLimited: 0, stuffingRisk: 0, bruteForce: 0, bruteForceLocked: 0, recoveryAbuse: 0,
  pushBombing: 0, bombPushes: 0, bombDenied: 0, bombFraud: 0, bombUnanswered: 0, bombApproved: 0, bombLimited: 0, bombLocked: 0,
})
export const newPushStats = (): PushStats => ({ approved: 0, typos: 0, unanswered: 0, totpInstead: 0, denied: 0, fraud: 0, stale: 0, passwordChanged: 0 })

export interface RunStats {
  users: { ready: number; totp: number; sms: number; voice: number; push: number; passkey: number; passwordOnly: number; failed: number }
  /** When the load phase started (ms since epoch), 0 before it. */
  loadStartedAt: number
  started: number
  shed: number
  skipped: number
  inFlight: number
  outcomes: Record<Outcome, number>
  kinds: Record<ScenarioKind, number>
  /** Attempts started and authenticated per kind of user (their second factor). */
  byFactor: Record<SecondFactor, { started: number; authenticated: number }>
  requests: RequestStats
  /** Reads of the simulator's phones and mailboxes (not IdP calls). */
  devices: DeviceStats
  attacks: AttackStats
  recovery: RecoveryStats
  passkey: PasskeyStats
  push: PushStats
}

export function newRunStats(): RunStats {
  return {
    users: { ready: 0, totp: 0, sms: 0, voice: 0, push: 0, passkey: 0, passwordOnly: 0, failed: 0 },
    loadStartedAt: 0,
    started: 0,
    shed: 0,
    skipped: 0,
    inFlight: 0,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    kinds: Object.fromEntries(SCENARIO_KINDS.map((k) => [k, 0])) as Record<ScenarioKind, number>,
    byFactor: Object.fromEntries(FACTOR_LABELS.map(([f]) => [f, { started: 0, authenticated: 0 }])) as RunStats['byFactor'],
    requests: { total: 0, byStatus: new Map(), transportErrors: 0, rateLimited: 0, unexpected: 0, latency: new LatencySample(), byEndpoint: new Map() },
    devices: newDeviceStats(),
    attacks: newAttackStats(),
    recovery: { created: 0, recovered: 0, regenerated: 0 },
    passkey: { passwordless: 0, afterPassword: 0 },
    push: newPushStats(),
  }
}

/** Record one IdP call: status 0 = transport error (no HTTP response). */
export function recordRequest(r: RequestStats, endpoint: string, status: number, ms: number): void {
  r.total++
  if (status === 0) {
    r.transportErrors++
    return
  }
  r.byStatus.set(status, (r.byStatus.get(status) ?? 0) + 1)
  if (status === 429 || status === 503) r.rateLimited++
  r.latency.add(ms)
  let ep = r.byEndpoint.get(endpoint)
  if (!ep) r.byEndpoint.set(endpoint, (ep = new LatencySample()))
  ep.add(ms)
}

export const serverErrors = (r: RequestStats): number => [...r.byStatus].reduce((s, [status, n]) => s + (status >= 500 && status !== 503 ? n : 0), 0)

/** The IdP counts as broken when more than half of all calls failed in transport or with a 5xx (503 overload excluded). */
export const idpBroken = (r: RequestStats): boolean => r.total > 0 && (r.transportErrors + serverErrors(r)) / r.total > 0.5

const rate = (n: number, ms: number) => (ms > 0 ? (n / (ms / 1000)).toFixed(1) : '0.0')

/** One progress line (stderr, every 5 s). */
export function progressLine(s: RunStats, nowMs: number): string {
  const elapsed = s.loadStartedAt ? nowMs - s.loadStartedAt : 0
  const o = s.outcomes
  return (
    `traffic: ${formatDuration(elapsed)} started ${s.started} authenticated ${o.authenticated} failed ${o.failed} ` +
    `abandoned ${o.abandoned} locked ${o.locked} errors ${o.error} in-flight ${s.inFlight} rate ${rate(s.started, elapsed)}/s` +
    (o.failed_delivery ? ` failed-delivery ${o.failed_delivery}` : '') +
    (s.shed ? ` shed ${s.shed}` : '') +
    (s.skipped ? ` skipped ${s.skipped}` : '') +
    (s.users.passkey ? ` passkey ${s.byFactor.passkey.authenticated}/${s.byFactor.passkey.started}` : '') +
    (s.users.push ? ` push ${s.byFactor.push.authenticated}/${s.byFactor.push.started}` : '') +
    ` attacks ${s.attacks.started}` +
    (s.attacks.pushBombing ? ` bombing-pushes ${s.attacks.bombPushes} denied ${s.attacks.bombDenied} fraud ${s.attacks.bombFraud}` : '')
  )
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : `${Math.round(x)} ms`)
const counts = <K extends string>(keys: readonly K[], rec: Record<K, number>) => keys.map((k) => `${k} ${rec[k]}`).join(', ')

export interface SummaryMeta {
  seed: number
  target: string
  maxInflight: number
  /** Length of the load phase. */
  elapsedMs: number
}

/** `12 ready (6 with TOTP, 3 with SMS, 2 with voice, 1 password-only)`; other factors only when there are any. */
export function usersLine(u: RunStats['users']): string {
  const more = (u.sms ? `, ${u.sms} with SMS` : '') + (u.voice ? `, ${u.voice} with voice` : '') + (u.push ? `, ${u.push} with push (and TOTP)` : '') + (u.passkey ? `, ${u.passkey} with a passkey` : '')
  return `${u.ready} ready (${u.totp} with TOTP${more}, ${u.passwordOnly} password-only)`
}

/** The passkey, push and push-bombing lines, once there are such users (or attacks). */
function factorLines(s: RunStats): string[] {
  const lines: string[] = []
  const p = s.push
  const a = s.attacks
  if (s.users.passkey) lines.push(`  passkeys: ${s.passkey.passwordless} passwordless logins, ${s.passkey.afterPassword} after the password`)
  if (s.users.push)
    lines.push(
      `  push: ${p.approved} approved (${p.typos} after a mistyped number), ${p.unanswered} never answered, ${p.totpInstead} finished with TOTP instead (push locked, paused or not delivered); ` +
        `phones denied ${p.denied} unexpected pushes and reported ${p.fraud} as fraud${p.passwordChanged ? ` (${p.passwordChanged} users then changed their password, lifting the push lock)` : ''}` +
        `${p.stale ? `, ${p.stale} read too late` : ''}`,
    )
  if (s.users.push || a.pushBombing)
    lines.push(
      `  push bombing: ${a.pushBombing} attacks sent ${a.bombPushes} pushes: ${a.bombDenied} denied, ${a.bombFraud} reported as fraud, ${a.bombUnanswered} unanswered, ` +
        `${a.bombApproved} approved; attackers rate-limited ${a.bombLimited}, locked out ${a.bombLocked}`,
    )
  return lines
}

/** The end-of-run summary (stdout). Never contains emails, phone numbers, passwords, codes or secrets. */
export function formatSummary(s: RunStats, meta: SummaryMeta): string {
  const r = s.requests
  const [p50, p95] = r.latency.quantiles(0.5, 0.95)
  const statuses = [...r.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(', ') || 'none'
  const lines = [
    `traffic summary: seed ${meta.seed}, target ${meta.target}, load phase ${formatDuration(meta.elapsedMs)}`,
    `  users       ${usersLine(s.users)}, ${s.users.failed} failed setup`,
    `  attempts    ${s.started} started (${rate(s.started, meta.elapsedMs)}/s), ${s.shed} shed at the in-flight cap of ${meta.maxInflight}, ` +
      `${s.skipped} skipped (no user free with an unused TOTP step${s.users.sms + s.users.voice ? ', or SMS/voice users paced to a login per 6 min' : ''}` +
      `${s.users.push ? ', or push users paced to a login per 15 min' : ''})`,
    `  outcomes    ${counts(OUTCOMES, s.outcomes)}`,
    `  scenarios   ${counts(SCENARIO_KINDS, s.kinds)}`,
    `  by factor   ${FACTOR_LABELS.filter(([f]) => (f !== 'push' && f !== 'passkey') || s.users[f] > 0)
      .map(([f, label]) => `${label} ${s.byFactor[f].authenticated}/${s.byFactor[f].started}`)
      .join(', ')} (authenticated/started)`,
    `  requests    ${r.total} IdP calls: ${statuses}`,
    `  errors      HTTP errors ${r.transportErrors + serverErrors(r)} (transport ${r.transportErrors}, 5xx ${serverErrors(r)}), ` +
      `rate limited ${r.rateLimited} (429/503), unexpected responses ${r.unexpected}`,
    `  latency     p50 ${ms(p50)}, p95 ${ms(p95)}, max ${ms(r.latency.count ? r.latency.max : NaN)} over ${r.latency.count} responses`,
  ]
  const a = s.attacks
  lines.push(
    `  attacks: stuffing ${a.stuffing} (blocked ${a.stuffingLimited} by limits, ${a.stuffingRisk} by risk), brute force ${a.bruteForce} (locked ${a.bruteForceLocked}), ` +
      `recovery abuse ${a.recoveryAbuse}`,
    `  lost devices: ${s.recovery.recovered} recovered with a code, ${s.recovery.regenerated} regenerated (${s.recovery.created} users created recovery codes)`,
    ...factorLines(s),
  )
  if (s.devices.reads) lines.push(`  devices     ${s.devices.reads} reads of simulated phones and mailboxes, ${s.devices.errors} failed`)
  const endpoints = [...r.byEndpoint].sort(([a], [b]) => a.localeCompare(b))
  const width = Math.max(0, ...endpoints.map(([e]) => e.length))
  for (const [endpoint, sample] of endpoints) {
    const [e50, e95] = sample.quantiles(0.5, 0.95)
    lines.push(`    ${endpoint.padEnd(width)}  p50 ${ms(e50)}, p95 ${ms(e95)} (${sample.count})`)
  }
  return lines.join('\n')
}
