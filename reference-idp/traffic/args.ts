import { PUSH_BOMBING_SHARE } from './attack-plan'
import { parseDuration } from './duration'

/** Command-line options of the traffic generator. */
export interface Options {
  target: string
  users: number
  /** Login attempts started per second (open loop). */
  rate: number
  seed: number
  /** Load-phase length in ms; null = no time limit (`forever`, or `--count` without `--duration`). */
  durationMs: number | null
  /** Stop after this many login attempts were started; null = no count limit. */
  count: number | null
  quiet: boolean
  /** Multiplier on every think time (1 = human pace; tests pass e.g. 0.05). */
  thinkScale: number
  /** Flows in flight at once; a scheduled attempt beyond this is shed, not queued. */
  maxInflight: number
  /** Users created at once during setup. */
  setupConcurrency: number
  /** Longest wait (s) after setup for SMS/voice users' resend cooldown before the load starts; 0 = start at once. */
  oobHoldSeconds: number
  /** Spread SMS/voice users' first logins over this many seconds (0: all may start at once). */
  oobSpreadSeconds: number
  /** Provider simulator base URL (its device API shows the codes); needed to run (sign-up codes are mailed). */
  simulator: string | null
  /** Share of users (0..1) whose only second factor is SMS; used only with `simulator`. */
  smsShare: number
  /** Share of users (0..1) whose only second factor is a voice code (a phone call); used only with `simulator`. */
  voiceShare: number
  /** Share of users (0..1) approving pushes on a phone (TOTP as their backup); used only with `simulator`. */
  pushShare: number
  /** Share of users (0..1) whose only factor is a passkey (passwordless most of the time). */
  passkeyShare: number
  /** Share of attempts (0..0.5) that are attacks, each kind from its own network (attack-plan.ts; stuffing from the block-listed 203.0.113.0/24). */
  attackers: number
  /** Share of legit attempts (0..1) in which a TOTP user with recovery codes lost the phone. */
  lostDevice: number
  /** Share of attacks (0..1) that bomb a push user with pushes after a stuffing hit; used only with push users. */
  pushBombing: number
}

export type ParsedArgs = { help: true } | { help: false; options: Options }

export class ArgError extends Error {}

export const USAGE = `usage: npx tsx reference-idp/traffic/main.ts [options]
  --target URL          IdP base URL (default http://127.0.0.1:8080)
  --users N             simulated users to create (default 50)
  --rate R              login attempts started per second (default 5)
  --duration D          30s, 5m, 1h or forever (default 1m unless --count is given)
  --count N             stop after N login attempts
  --seed N              seed of every scenario choice (default 1)
  --think-scale X       multiplier on human think times (default 1)
  --max-inflight N      flows in flight before new attempts are shed (default 64)
  --setup-concurrency N users created at once during setup (default 4)
  --oob-hold S          wait up to S seconds after setup so SMS/voice users are past their resend
                        cooldown before the load starts (default 35; 0 starts at once and lets them join later)
  --oob-spread S        spread SMS/voice users' first logins over S seconds, so a long run sees a steady
                        stream of SMS/voice logins instead of bursts every few minutes (default 0)
  --simulator URL       provider simulator whose phones and mailboxes the users read codes
                        from (needed: every new user types the code mailed at sign-up)
  --sms-share X         share of users with SMS as their only second factor (default 0.25)
  --voice-share X       share of users with codes by phone call as their only second factor (default 0.1)
  --push-share X        share of users approving pushes (number matching) on a simulated phone,
                        with TOTP as their backup (default 0.1; needs --simulator)
  --passkey-share X     share of users whose only factor is a passkey, signing in without the
                        password most of the time (default 0.1)
                        (the four shares together must be at most 1; the rest use TOTP or the password alone)
  --attackers X         share of attempts that are attacks (credential stuffing, second-factor
                        brute force, recovery abuse, push bombing), each from its own network,
                        stuffing from the block-listed 203.0.113.0/24 (default 0.05, at most 0.5)
  --push-bombing X      share of those attacks that bomb a push user with pushes after a stuffing
                        hit (default 0.2; only when there are push users)
  --lost-device X       share of logins in which a TOTP user lost the phone and uses a recovery
                        code (default 0.01)
  --quiet               no progress lines on stderr
  --help                this text`

const DEFAULT_DURATION_MS = 60_000
/** The shares of users by factor, with their defaults; together at most 1. */
const FACTOR_SHARES: readonly (readonly [string, number])[] = [['sms-share', 0.25], ['voice-share', 0.1], ['push-share', 0.1], ['passkey-share', 0.1]]

type Kind = 'url' | 'int' | 'positive' | 'nonneg' | 'share' | 'duration' | 'flag'
const FLAGS: Record<string, Kind> = {
  target: 'url',
  users: 'int',
  rate: 'positive',
  duration: 'duration',
  count: 'int',
  seed: 'int',
  'think-scale': 'nonneg',
  'max-inflight': 'int',
  'setup-concurrency': 'int',
  'oob-hold': 'int',
  'oob-spread': 'int',
  simulator: 'url',
  'sms-share': 'share',
  'voice-share': 'share',
  'push-share': 'share',
  'passkey-share': 'share',
  attackers: 'share',
  'push-bombing': 'share',
  'lost-device': 'share',
  quiet: 'flag',
  help: 'flag',
}

const LIMITS: Record<string, [number, number, string]> = {
  users: [1, 100_000, 'a whole number of users from 1 to 100000'],
  count: [1, 1e9, 'a whole number of login attempts of at least 1'],
  seed: [-(2 ** 31), 2 ** 32 - 1, 'a whole number (32-bit)'],
  'max-inflight': [1, 100_000, 'a whole number of flows of at least 1'],
  'setup-concurrency': [1, 256, 'a whole number from 1 to 256'],
  'oob-hold': [0, 600, 'a whole number of seconds from 0 to 600'],
  'oob-spread': [0, 3600, 'a whole number of seconds from 0 to 3600'],
  rate: [0, 10_000, 'a positive number of login attempts per second (at most 10000)'],
  'think-scale': [0, 1_000, 'a number of at least 0 (1 = human pace)'],
  'sms-share': [0, 1, 'a share of users from 0 to 1'],
  'voice-share': [0, 1, 'a share of users from 0 to 1'],
  'push-share': [0, 1, 'a share of users from 0 to 1'],
  'passkey-share': [0, 1, 'a share of users from 0 to 1'],
  attackers: [0, 0.5, 'a share of attempts from 0 to 0.5'],
  'push-bombing': [0, 1, 'a share of attacks from 0 to 1'],
  'lost-device': [0, 1, 'a share of logins from 0 to 1'],
}

function convert(name: string, kind: Kind, raw: string): string | number | null {
  const fail = (expected: string) => new ArgError(`--${name} expects ${expected}, got "${raw}"`)
  switch (kind) {
    case 'url': {
      let url: URL
      try {
        url = new URL(raw)
      } catch {
        throw fail('an http:// or https:// URL')
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail('an http:// or https:// URL')
      return url.origin + url.pathname.replace(/\/+$/, '')
    }
    case 'duration':
      try {
        return parseDuration(raw)
      } catch (err) {
        throw new ArgError(`--${name}: ${(err as Error).message}`)
      }
    default: {
      const [min, max, expected] = LIMITS[name]
      const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(raw.trim()) ? Number(raw) : NaN
      const ok = kind === 'int' ? Number.isInteger(n) : Number.isFinite(n)
      const inRange = kind === 'positive' ? n > min && n <= max : n >= min && n <= max
      if (!ok || !inRange) throw fail(expected)
      return n
    }
  }
}

/** Parse argv (without node and the script). Throws ArgError with a one-line explanation. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values: Record<string, string | number | null | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--') || arg === '--') throw new ArgError(`unexpected argument "${arg}": expected options such as --users 50 (see --help)`)
    const eq = arg.indexOf('=')
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
    const kind = FLAGS[name]
    if (!kind) throw new ArgError(`unknown option --${name}: expected one of ${Object.keys(FLAGS).map((f) => `--${f}`).join(', ')}`)
    if (kind === 'flag') {
      if (eq >= 0) throw new ArgError(`--${name} takes no value`)
      values[name] = true
      continue
    }
    let raw: string
    if (eq >= 0) raw = arg.slice(eq + 1)
    else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw new ArgError(`--${name} needs a value (see --help)`)
      raw = next
      i++
    }
    values[name] = convert(name, kind, raw)
  }
  if (values.help) return { help: true }
  const count = (values.count as number | undefined) ?? null
  const shares = FACTOR_SHARES.map(([name, fallback]) => [name, (values[name] as number | undefined) ?? fallback] as const)
  const [smsShare, voiceShare, pushShare, passkeyShare] = shares.map(([, v]) => v)
  const total = shares.reduce((sum, [, v]) => sum + v, 0)
  // A little slack for decimal input such as 0.7 + 0.3.
  if (total > 1 + 1e-9) {
    const named = shares.filter(([name, v]) => v > 0 || name in values).map(([name, v]) => `--${name} ${v}${name in values ? '' : ' (default)'}`)
    throw new ArgError(`${named.slice(0, -1).join(', ')} and ${named.at(-1)} add up to ${+total.toFixed(6)}: together they must be at most 1`)
  }
  const durationMs = 'duration' in values ? (values.duration as number | null) : count !== null ? null : DEFAULT_DURATION_MS
  return {
    help: false,
    options: {
      target: (values.target as string | undefined) ?? 'http://127.0.0.1:8080',
      users: (values.users as number | undefined) ?? 50,
      rate: (values.rate as number | undefined) ?? 5,
      seed: (values.seed as number | undefined) ?? 1,
      durationMs,
      count,
      quiet: values.quiet === true,
      thinkScale: (values['think-scale'] as number | undefined) ?? 1,
      maxInflight: (values['max-inflight'] as number | undefined) ?? 64,
      setupConcurrency: (values['setup-concurrency'] as number | undefined) ?? 4,
      oobHoldSeconds: (values['oob-hold'] as number | undefined) ?? 35,
      oobSpreadSeconds: (values['oob-spread'] as number | undefined) ?? 0,
      simulator: (values.simulator as string | undefined) ?? null,
      smsShare,
      voiceShare,
      pushShare,
      passkeyShare,
      attackers: (values.attackers as number | undefined) ?? 0.05,
      lostDevice: (values['lost-device'] as number | undefined) ?? 0.01,
      pushBombing: (values['push-bombing'] as number | undefined) ?? PUSH_BOMBING_SHARE,
    },
  }
}
