import type { Options } from './args'
import { systemClock, type Clock } from '../../contract/clock'
import { planExtra } from './attack-plan'
import { runAttack } from './attacks'
import { IdpClient, waitForIdp } from './client'
import { DeviceReader } from './device'
import { formatDuration } from './duration'
import { runAttempt } from './flows'
import { planAttempt } from './plan'
import { seededRand } from '../simulator/random'
import { oobReadyAt } from './pacing'
import { Phones } from './push-phone'
import { assignRecoveryCodes, hasCode } from './recovery'
import { createUsers } from './setup'
import { formatSummary, idpBroken, newRunStats, progressLine, usersLine, type RunStats } from './summary'
import { effectiveKind, userClass, UserPool, type SimUser } from './users'

/** The whole run: wait for the IdP, create users, drive logins at the target rate, summarise. */

export interface RunIo {
  out: (text: string) => void
  err: (line: string) => void
  /** Aborted on SIGINT/SIGTERM: stop starting attempts, give in-flight ones 5 s. */
  signal: AbortSignal
  /** The generator's one clock: pacing, think times, TOTP steps, waits (default the system clock). */
  clock?: Clock
  /** Makes a signed provisioning assertion (IDP_SERVICE_SIGNING_KEY): without it every simulated user is a customer. */
  serviceAuth?: () => string
  /** How long to wait for the IdP to answer at start (default 30 s). */
  connectTimeoutMs?: number
  /** Longest wait for SMS / voice users' enrollment cooldown before the load (default 35 s; tests pass 0). */
  oobHoldMaxMs?: number
}

export const PROGRESS_EVERY_MS = 5_000
export const STOP_GRACE_MS = 5_000
/** Wait for every in-flight flow; once `signal` aborts, give them at most STOP_GRACE_MS more. */
async function drain(inflight: Set<Promise<void>>, signal: AbortSignal, clock: Clock): Promise<void> {
  const done = new AbortController() // ends the grace wait once every flow has finished
  const grace = new Promise<void>((resolve) => {
    const arm = () => void clock.sleep(STOP_GRACE_MS, done.signal).then(resolve)
    if (signal.aborted) arm()
    else signal.addEventListener('abort', arm, { once: true })
  })
  await Promise.race([Promise.allSettled([...inflight]), grace])
  done.abort()
}

interface LoadDeps {
  opts: Options
  stats: RunStats
  client: IdpClient
  devices: DeviceReader | null
  phones: Phones | null
  users: SimUser[]
  signal: AbortSignal
  clock: Clock
}

/** Open-loop load: attempt k is due at start + k / rate, whatever happened to earlier ones. */
async function load({ opts, stats, client, devices, phones, users, signal, clock }: LoadDeps): Promise<void> {
  const now = () => clock.now()
  const sleep = (ms: number) => clock.sleep(ms)
  const pool = new UserPool(users)
  const planRand = seededRand(opts.seed)
  const flowDeps = { client, stats, rand: seededRand(opts.seed + 0x5bd1e995), sleep, now, devices, phones }
  // Attacks and lost devices draw from streams of their own: the users' mix of a seed stays as it was.
  const extraRand = seededRand(opts.seed ^ 0x3c6ef372)
  const attackDeps = { client, stats, rand: seededRand(opts.seed ^ 0x1b873593), sleep, now, wake: (u: SimUser) => phones?.wake(u) }
  const shares = { attackers: opts.attackers, lostDevice: opts.lostDevice, pushBombing: stats.users.push > 0 ? opts.pushBombing : 0 }
  const inflight = new Set<Promise<void>>()
  const track = (p: Promise<void>) => {
    const q: Promise<void> = p.finally(() => inflight.delete(q))
    inflight.add(q)
  }
  const intervalMs = 1000 / opts.rate
  const t0 = (stats.loadStartedAt = now())
  // SMS/voice users are paced per user (a login per 6 min, 10 codes an hour): started together they
  // come back together, so a long run sees bursts. --oob-spread staggers their first logins.
  if (opts.oobSpreadSeconds > 0) {
    const spreadRand = seededRand(opts.seed ^ 0x27d4eb2f)
    for (const u of users) if (u.oob) u.notBefore = Math.max(u.notBefore, t0 + Math.floor(spreadRand() * opts.oobSpreadSeconds * 1000))
  }
  const endAt = opts.durationMs === null ? Infinity : t0 + opts.durationMs
  let k = 0
  while (!signal.aborted && (opts.count === null || stats.started + stats.attacks.started < opts.count)) {
    let due = t0 + k * intervalMs
    // After a stall (laptop sleep, a long GC) start afresh instead of firing a burst of the backlog.
    if (now() - due > 1_000) k = Math.ceil((now() - t0) / intervalMs)
    due = t0 + k * intervalMs
    if (due >= endAt) break
    await clock.sleep(due - now(), signal)
    if (signal.aborted) break
    k++
    const plan = planAttempt(planRand, opts.thinkScale)
    const extra = planExtra(extraRand, shares)
    if (stats.inFlight + stats.attacks.inFlight >= opts.maxInflight) {
      stats.shed++
      continue
    }
    if (extra.attack) {
      track(runAttack(attackDeps, extra.attack, users).catch(() => void stats.requests.unexpected++))
      continue
    }
    // A lost phone needs a TOTP user holding recovery codes; without one free, a plain attempt.
    const lost = extra.lostDevice ? pool.acquireWhere(plan.pick, now(), (x) => hasCode(x.recovery)) : undefined
    if (lost) plan.kind = 'lost_device'
    const user = lost ?? pool.acquire(plan.kind, plan.pick, now())
    if (!user) {
      stats.skipped++
      continue
    }
    stats.started++
    stats.kinds[effectiveKind(plan.kind, user)]++
    const factor = stats.byFactor[user.profile.second]
    factor.started++
    stats.inFlight++
    track(
      runAttempt(flowDeps, user, plan)
        .then((outcome) => {
          stats.outcomes[outcome]++
          if (outcome === 'authenticated') factor.authenticated++
        })
        .catch(() => void stats.outcomes.error++)
        .finally(() => {
          pool.release(user)
          stats.inFlight--
        }),
    )
  }
  await drain(inflight, signal, clock)
  stats.outcomes.unfinished += stats.inFlight
}

/** Run the generator; returns the process exit code. */
export async function runTraffic(opts: Options, io: RunIo): Promise<number> {
  const stats = newRunStats()
  const clock = io.clock ?? systemClock
  const now = () => clock.now()
  const sleep = (ms: number) => clock.sleep(ms)
  const client = new IdpClient(opts.target, stats.requests)
  const say = (line: string) => opts.quiet || io.err(line)
  // Sign-up mails a code to every new user: without the simulator's mailboxes nobody can sign up.
  if (!opts.simulator) {
    io.err('traffic: --simulator URL is needed: the IdP mails a code to every new address before it creates the account, and the users read it off the simulator\'s mailboxes')
    return 2
  }

  try {
    await waitForIdp(opts.target, io.connectTimeoutMs ?? 30_000, io.signal, (e) => say(`traffic: waiting for the IdP at ${opts.target} (${e})`))
  } catch (err) {
    if (io.signal.aborted) return 0 // stopped by a signal before anything ran: nothing to summarise
    io.err(`traffic: ${(err as Error).message}`)
    return 1
  }
  // Every user reads its sign-up code off the simulator's mailbox; SMS / voice and push users their codes and pushes off its phones.
  const devices = new DeviceReader(opts.simulator, stats.devices)
  {
    try {
      await waitForIdp(opts.simulator, io.connectTimeoutMs ?? 30_000, io.signal, (e) => say(`traffic: waiting for the simulator at ${opts.simulator} (${e})`), 'the simulator')
    } catch (err) {
      if (io.signal.aborted) return 0
      io.err(`traffic: ${(err as Error).message}`)
      return 1
    }
  }
  const shares = { sms: opts.smsShare, voice: opts.voiceShare, push: opts.pushShare, passkey: opts.passkeyShare }

  if (!io.serviceAuth) say('traffic: no IDP_SERVICE_SIGNING_KEY: admins and workforce users cannot be provisioned, so every simulated user is a customer')
  const setupStart = now()
  const setupTicker = setInterval(() => say(`traffic: setup ${stats.users.ready}/${opts.users} users ready, ${stats.users.failed} failed`), PROGRESS_EVERY_MS)
  let users: SimUser[]
  try {
    users = await createUsers(
      {
        client, stats, seed: opts.seed, rand: seededRand(opts.seed ^ 0x2545f491), concurrency: opts.setupConcurrency, signal: io.signal, sleep, log: io.err,
        devices, factorRand: seededRand(opts.seed ^ 0x68e31da4), shares, now, serviceAuth: io.serviceAuth,
      },
      opts.users,
    )
  } finally {
    clearInterval(setupTicker)
  }
  // A share of TOTP users create recovery codes after their first login (lost phones need them).
  if (opts.lostDevice > 0) {
    const wants = assignRecoveryCodes(users.length, seededRand(opts.seed ^ 0x7f4a7c15))
    users.forEach((x, i) => {
      if (userClass(x) === 'totp') x.recovery = { wanted: wants[i], codes: [] }
    })
  }
  const u = stats.users
  say(`traffic: setup done in ${formatDuration(now() - setupStart)}: ${usersLine(u)}, ${u.failed} failed`)
  if (u.ready === 0 && !io.signal.aborted) {
    io.err(`traffic: no simulated user could be created; is ${opts.target} the FactorWatch reference IdP?`)
    io.out(formatSummary(stats, { seed: opts.seed, target: opts.target, maxInflight: opts.maxInflight, elapsedMs: 0 }) + '\n')
    return 1
  }

  // Each TOTP (password-only, passkey) user can finish about one login per 30-s step (the IdP
  // refuses replayed steps), each SMS / voice user one per 6 minutes (its send quota), each
  // push user one per 15 minutes (its push quota), and attempts keep the users' mix (each class
  // gets its share), so the slowest class sets the rate at which no attempt is skipped.
  const oobUsers = u.sms + u.voice
  const sustainable = u.ready / (u.push ? 900 : oobUsers ? 360 : 30)
  if (!io.signal.aborted && opts.rate > sustainable * 1.2)
    say(
      `traffic: note: ${u.ready} users sustain about ${sustainable >= 1 ? sustainable.toFixed(1) : sustainable.toPrecision(2)} logins/s (a TOTP code per user per 30-s step` +
        `${oobUsers ? ', an SMS/voice login per user per 6 min' : ''}${u.push ? ', a push login per user per 15 min' : ''}); expect skipped attempts at --rate ${opts.rate}, or add --users`,
    )

  // An SMS / voice user cannot get a login code within the IdP's resend cooldown after its
  // enrollment code. Those users were set up first; start the load once all are past it, so
  // the mix holds from the first attempt (at most about 30 s, and only for short setups).
  const oobReady = users.reduce((at, x) => (x.oob ? Math.max(at, oobReadyAt(x.oob)) : at), -Infinity)
  const holdMs = Math.min(io.oobHoldMaxMs ?? opts.oobHoldSeconds * 1000, oobReady - now())
  if (!io.signal.aborted && holdMs > 0) {
    say(`traffic: waiting ${Math.ceil(holdMs / 1000)} s for the SMS/voice users' resend cooldown after their enrollment codes`)
    await clock.sleep(holdMs, io.signal)
  }

  const phones = devices && u.push ? new Phones({ devices, client, stats, rand: seededRand(opts.seed ^ 0x27d4eb2f), sleep, now, thinkScale: opts.thinkScale }) : null
  const ticker = setInterval(() => say(progressLine(stats, now())), PROGRESS_EVERY_MS)
  try {
    if (!io.signal.aborted) await load({ opts, stats, client, devices, phones, users, signal: io.signal, clock })
  } finally {
    clearInterval(ticker)
    await phones?.stop()
  }
  const elapsedMs = stats.loadStartedAt ? now() - stats.loadStartedAt : 0
  io.out(formatSummary(stats, { seed: opts.seed, target: opts.target, maxInflight: opts.maxInflight, elapsedMs }) + '\n')
  if (idpBroken(stats.requests)) {
    io.err('traffic: more than half of the IdP calls failed (transport errors or 5xx): the IdP looks broken')
    return 1
  }
  return 0
}
