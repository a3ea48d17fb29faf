/** Alert evaluation: one cycle of every default rule over millions of events in embedded chDB. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AlertEngine } from '../../collector/alerting/engine'
import { loadRuleSet } from '../../collector/alerting/load'
import { AlertStore } from '../../collector/alerting/store'
import { loadCollectorConfig } from '../../collector/config'
import { openClickHouse } from '../../collector/storage/client'
import { migrate } from '../../collector/storage/migrate'

const SPAN_MS = 3 * 86_400_000

/**
 * Synthetic contract events written server-side (INSERT … SELECT FROM numbers), spread evenly
 * over the last three days — the longest burn window — so every window reads real rows. The
 * rollup views fill as they would from ingest.
 */
function seedSql(n: number, toMs: number): string {
  const from = toMs - SPAN_MS
  return `
INSERT INTO mfa_events (ts, event, event_id, schema_version, service, flow_id, factor, provider, channel, outcome, reason, latency_ms, user_hash, user_group, region, client)
SELECT
  fromUnixTimestamp64Milli(toInt64(${from} + intDiv(number * ${SPAN_MS}, ${n}))) AS ts,
  multiIf(k < 40, 'mfa.provider.request', k < 60, 'mfa.challenge.verified', k < 75, 'mfa.challenge.issued', k < 90, 'mfa.login.completed', k < 95, 'mfa.fallback', k < 98, 'mfa.recovery', 'mfa.lockout') AS event,
  toString(number), '1.0.0', 'idp-bench', toString(intDiv(number, 4)),
  ['totp', 'webauthn', 'sms', 'push', 'email'][1 + number % 5],
  ['twilio', 'vonage', 'twilio-voice', 'vonage-voice', 'ses', 'sendgrid', 'fcm', 'apns'][1 + number % 8],
  ['sms', 'sms', 'voice', 'voice', 'email', 'email', 'push', 'push'][1 + number % 8],
  if(r < 3, 'error', if(r < 20, 'failure', 'success')),
  multiIf(event = 'mfa.provider.request', if(r < 3, 'http_5xx', 'ok'), event = 'mfa.login.completed', multiIf(r < 3, 'mfa_failed', r < 6, 'abandoned', 'mfa_satisfied'),
    event = 'mfa.fallback', 'provider_error', event = 'mfa.recovery', ['requested', 'approved', 'expired'][1 + r % 3], event = 'mfa.lockout', 'too_many_failures', if(r < 20, 'invalid_code', 'ok')),
  if(event = 'mfa.challenge.verified', toUInt32(200 + cityHash64(number, 3) % 4000), NULL),
  lower(hex(cityHash64(intDiv(number, 16)))),
  ['admin', 'workforce', 'customer', 'customer', 'customer', 'vendor'][1 + cityHash64(number, 4) % 6],
  ['eu-west', 'us-east'][1 + number % 2], 'web'
FROM (SELECT number, cityHash64(number) % 100 AS k, cityHash64(number, 2) % 1000 AS r FROM numbers(${n}))`
}

export interface AlertingBench { events: number; seedS: number; rules: number; slos: number; coldMs: number; steadyMs: number[]; slosMs: number; phases: NonNullable<AlertEngine['lastCycle']>[] }

export async function benchAlerting(opts: { events: number; cycles: number }): Promise<AlertingBench> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-alerting-'))
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  try {
    await migrate(ch.client, { ttlDays: 400 })
    const now = Date.now()
    const t0 = performance.now()
    await ch.client.command({ query: seedSql(opts.events, now), clickhouse_settings: { max_insert_block_size: '1000000' } })
    const seedS = (performance.now() - t0) / 1000
    const rules = loadRuleSet()
    let t = now
    const engine = new AlertEngine({ client: ch.client, store: new AlertStore(ch.client), rules, now: () => t, publicUrl: 'http://bench' })
    await engine.init()
    const c0 = performance.now()
    await engine.tick()
    const coldMs = performance.now() - c0
    const steadyMs: number[] = []
    const phases: NonNullable<AlertEngine['lastCycle']>[] = []
    for (let i = 0; i < opts.cycles; i++) {
      t += 30_000
      const s = performance.now()
      await engine.tick()
      steadyMs.push(performance.now() - s)
      phases.push(engine.lastCycle!)
    }
    const s0 = performance.now()
    await engine.slos()
    const slosMs = performance.now() - s0
    return { events: opts.events, seedS, rules: engine.alerts().length, slos: rules.slos.length, coldMs, steadyMs, slosMs, phases }
  } finally {
    await ch.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
