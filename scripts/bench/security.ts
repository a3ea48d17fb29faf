/** Panel latency of the Security, Explore and Executive reports over 30 days of demo-scale events in embedded chDB. */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCollectorConfig } from '../../collector/config'
import { REPORTS } from '../../collector/query/reports'
import { openClickHouse } from '../../collector/storage/client'
import { migrate } from '../../collector/storage/migrate'
import { createFlowRollupJob } from '../../collector/query/flow-rollup-job'
import { migrationsHash } from './dataset'

const DAY = 86_400_000
const LOGIN_EVENTS = ['mfa.login.started', 'mfa.challenge.issued', 'mfa.provider.request', 'mfa.challenge.verified', 'mfa.login.completed']

/**
 * `rate` sign-ins per second for `days` (npm start's demo: 120 users, 3 sign-ins/s), each five
 * events, plus the rarer ones the security reports read: password failures, bypasses, recovery,
 * lockouts, push denials, enrollment changes and hourly snapshots. Generated inside ClickHouse.
 */
export function fillSql(rate: number, days: number, endMs: number): string[] {
  const n = Math.round(rate * days * 86_400)
  const start = endMs - days * DAY
  const gap = (days * DAY) / n
  const at = (k: string) => `fromUnixTimestamp64Milli(toInt64(${start} + n * ${gap}) + ${k})`
  const user = "lower(hex(cityHash64(toString(n % 120))))"
  const common = `'eu-west', ['DE','FR','NL','US','BR'][n % 5 + 1], ['web','ios','android','api'][n % 4 + 1], ['low','low','low','medium','high'][cityHash64(n) % 5 + 1], ['workforce','customer','admin','vendor'][n % 4 + 1]`
  const cols = 'ts, event, event_id, service, flow_id, factor, provider, channel, outcome, reason, latency_ms, attempt, user_hash, region, country, client, risk_level, user_group, cost_micros, provider_message_id, intent'
  return [
    `INSERT INTO mfa_events (${cols})
SELECT ${at('k * 700')}, ev, concat(toString(n), '-', toString(k)), 'bench-idp', concat('f', toString(n)), f, if(f = 'sms', 'twilio', if(f = 'push', 'fcm', 'local')), if(f = 'sms', 'sms', if(f = 'push', 'push', 'app')),
  multiIf(ev = 'mfa.login.started' OR ev = 'mfa.challenge.issued', '', ok, 'success', 'failure'),
  multiIf(ev = 'mfa.login.started', 'password_verified', ev = 'mfa.challenge.issued', 'login_required', ev = 'mfa.provider.request', 'ok', ev = 'mfa.challenge.verified', if(ok, 'ok', if(f = 'push', 'user_denied', 'invalid_code')), if(ok, 'mfa_satisfied', 'mfa_failed')),
  if(ev = 'mfa.challenge.verified', 800 + cityHash64(n) % 20000, NULL), 1, ${user}, ${common}, if(ev = 'mfa.provider.request' AND f = 'sms', 7900, 0),
  if(ev = 'mfa.provider.request', concat('m', toString(n)), ''), 'login'
FROM (SELECT number AS n, ['totp','totp','sms','push','webauthn'][n % 5 + 1] AS f, cityHash64(n, 1) % 100 < 92 AS ok FROM numbers(${n}))
ARRAY JOIN [${LOGIN_EVENTS.map((e) => `'${e}'`).join(', ')}] AS ev, range(5) AS k`,
    // Rarer security events, one per 50 sign-ins, spread over the kinds. An approval is of the
    // request just before it (the same user), as the IdP's admin recovery goes.
    `INSERT INTO mfa_events (${cols})
SELECT ${at('0')}, ev, concat('s', toString(n)), 'bench-idp', concat('s', toString(n)), if(ev = 'mfa.recovery', 'admin_recovery', if(ev = 'mfa.lockout', 'push', 'sms')), '', '', if(ev = 'mfa.login.completed', 'failure', ''), reason, NULL, 0,
  ${user.replace('n % 120', "if(reason = 'approved', n - 50, n) % 120")}, ${common}, 0, '', 'login'
FROM (SELECT number * 50 AS n, [('mfa.login.completed', 'password_failed'), ('mfa.bypass', 'trusted_device'), ('mfa.recovery', 'requested'), ('mfa.recovery', 'approved'), ('mfa.lockout', 'push_bombing'),
  ('mfa.enrollment.changed', 'enrolled'), ('mfa.bypass', 'break_glass'), ('mfa.login.completed', 'mfa_not_enrolled')][number % 8 + 1] AS t, t.1 AS ev, t.2 AS reason FROM numbers(${Math.round(n / 50)}))`,
    `INSERT INTO mfa_events (ts, event, event_id, service, factor, user_group, enrolled_count, total_count, reason, region)
SELECT fromUnixTimestamp64Milli(toInt64(${start} + h * 3600000)), 'mfa.enrollment.snapshot', concat('snap', toString(h), g, f), 'bench-idp', f, g, 20 + h % 7, 30, 'scheduled', 'eu-west'
FROM (SELECT number AS h FROM numbers(${days * 24})) ARRAY JOIN ['admin','workforce','customer','vendor'] AS g ARRAY JOIN ['totp','sms','push','webauthn','email'] AS f`,
  ]
}

export interface PanelTiming { path: string; p50Ms: number; p95Ms: number }

interface KeptFill { rate: number; days: number; now: number; fillS: number; generator: string }

/**
 * With `keepDir` (BENCH_SECURITY_DIR) the filled directory is kept and reused by the next run of
 * the same rate, days, generator SQL and migrations (a marker file says which, as the panels
 * dataset's cache does), so work on one panel does not refill 39 M events each time; "now" is
 * then the first run's.
 */
export async function benchSecurity(o: { rate: number; days: number; iterations: number; keepDir?: string; onFilled?: (events: number, fillS: number, reused: boolean) => void; onRolledUp?: (hours: number, seconds: number) => void; onSettled?: (seconds: number) => void; onPanel?: (p: PanelTiming) => void }): Promise<{ events: number; fillS: number; panels: PanelTiming[] }> {
  const marker = o.keepDir ? join(o.keepDir, 'bench-security.json') : undefined
  const kept = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as KeptFill) : undefined
  // The generator's SQL at a fixed end time, and the migrations it was made with.
  const generator = createHash('sha256').update(fillSql(o.rate, o.days, 0).join('\n')).update(migrationsHash()).digest('hex').slice(0, 16)
  const reuse = kept !== undefined && kept.rate === o.rate && kept.days === o.days && kept.generator === generator
  if (o.keepDir && !reuse) { rmSync(o.keepDir, { recursive: true, force: true }); mkdirSync(o.keepDir, { recursive: true }) }
  const dir = o.keepDir ?? mkdtempSync(join(tmpdir(), 'fw-bench-security-'))
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  try {
    await migrate(ch.client, { ttlDays: 400 })
    const now = reuse ? kept.now : Date.now()
    const t0 = performance.now()
    if (!reuse) for (const q of fillSql(o.rate, o.days, now)) await ch.client.command({ query: q })
    const fillS = reuse ? kept.fillS : (performance.now() - t0) / 1000
    if (marker && !reuse) writeFileSync(marker, `${JSON.stringify({ rate: o.rate, days: o.days, now, fillS, generator } satisfies KeptFill)}\n`)
    const events = Number(((await (await ch.client.query({ query: 'SELECT count() AS n FROM mfa_events', format: 'JSONEachRow' })).json()) as { n: string | number }[])[0].n)
    o.onFilled?.(events, fillS, reuse)
    // What the collector's flow-rollup job does after start: finalize every hour that can be.
    const r0 = performance.now()
    const rolled = await createFlowRollupJob({ client: ch.client, now: () => now, budgetMs: 3_600_000 }).run()
    o.onRolledUp?.(rolled.finalizedHours, (performance.now() - r0) / 1000)
    // Let the background merges the bulk fill started finish, as they have on a collector that has
    // been running: timings otherwise share the two cores with them (up to 3 minutes).
    const m0 = performance.now()
    for (let quiet = 0; quiet < 2 && performance.now() - m0 < 180_000;) {
      const [m] = (await (await ch.client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' })).json()) as { n: string | number }[]
      quiet = Number(m.n) === 0 ? quiet + 1 : 0
      await new Promise((r) => setTimeout(r, 1000))
    }
    o.onSettled?.((performance.now() - m0) / 1000)
    const params = new URLSearchParams({ from: new Date(now - o.days * DAY).toISOString(), to: new Date(now).toISOString() })
    const panels: PanelTiming[] = []
    for (const r of REPORTS) {
      const p = new URLSearchParams(params)
      if (r.path.endsWith('/flow')) { p.delete('from'); p.set('flow_id', 'f12345') }
      const parsed = r.parse(p, now)
      if (!parsed.ok) throw new Error(`${r.path}: ${parsed.error.message}`)
      const times: number[] = []
      for (let i = 0; i < o.iterations + 1; i++) {
        const s = performance.now()
        await r.run(ch.client, parsed.value, now)
        if (i > 0) times.push(performance.now() - s) // the first run warms caches and is not counted
      }
      times.sort((a, b) => a - b)
      const timing = { path: r.path, p50Ms: times[Math.floor(times.length / 2)], p95Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)] }
      panels.push(timing)
      o.onPanel?.(timing)
    }
    return { events, fillS, panels }
  } finally {
    await ch.close()
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true })
  }
}
