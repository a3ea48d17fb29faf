/**
 * `npx tsx scripts/bench/encode-formats.ts [--events N] [--rounds N] [--js-only]`: the collector's
 * JS path from decoded OTLP log records to insert bodies (µs/event: contract check, rows,
 * encoding, dedup; no decode, no I/O), then what ClickHouse (embedded chDB, the collector's
 * ingest connection) spends inserting the same mfa_events rows as TabSeparated and as
 * JSONCompactEachRow, with the rollups' materialized views. Figures, not a test.
 *
 * Run it under `node --cpu-prof` (tsx's --cpu-prof passes through) to profile the JS path.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { loadCollectorConfig } from '../../collector/config'
import type { LogIn, ResourceBlock } from '../../collector/otlp/model'
import { createIngest } from '../../collector/ingest/store'
import { openClickHouse } from '../../collector/storage/client'
import { migrate } from '../../collector/storage/migrate'

const arg = (flag: string, def: number) => {
  const i = process.argv.indexOf(flag)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const EVENTS = arg('--events', 20_000)
const ROUNDS = arg('--rounds', 10)

const FACTORS = ['totp', 'sms', 'push', 'webauthn', 'email']
const OUTCOMES: [string, string][] = [['success', 'ok'], ['failure', 'invalid_code'], ['expired', 'code_expired']]
const GROUPS = ['admin', 'workforce', 'customer']

/** One request's worth of decoded records, shaped like the reference IdP's: 90 % contract events, 10 % plain logs. */
function blocks(round: number, n: number, t0Ms: number): ResourceBlock<LogIn>[] {
  const items: LogIn[] = []
  for (let i = 0; i < n; i++) {
    const ns = BigInt(t0Ms + i) * 1_000_000n + 123_456n
    const flow = `flow-${round}-${Math.floor(i / 3)}`
    const base = { timeNs: ns, observedNs: ns + 10n, severityNumber: 9, severityText: 'INFO', traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', flags: 1 }
    if (i % 10 === 9) {
      items.push({ ...base, body: 'GET /login 200', eventName: '', attributes: { 'http.route': '/login', 'http.status_code': 200, 'flow.ref': flow } })
      continue
    }
    const [outcome, reason] = OUTCOMES[i % OUTCOMES.length]
    items.push({
      ...base, body: 'mfa.challenge.verified', eventName: 'mfa.challenge.verified',
      attributes: {
        'event.name': 'mfa.challenge.verified', 'event.id': `${round}-${i}-0e2c9f5a-7d1b-4c3e-9a61-3f0b2d8e4c7a`, 'mfa.schema_version': '1.0.0',
        'mfa.flow_id': flow, 'mfa.factor': FACTORS[i % FACTORS.length], 'mfa.outcome': outcome, 'mfa.reason': reason, 'mfa.latency_ms': 800 + (i % 5000),
        'mfa.attempt': 1 + (i % 3), 'mfa.user_hash': 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'mfa.user_group': GROUPS[i % GROUPS.length], 'mfa.region': 'eu-west',
        'mfa.client': 'web', 'mfa.intent': 'login',
      },
    })
  }
  const resource = { 'service.name': 'reference-idp', 'service.version': '1.4.2', 'deployment.environment': 'bench', 'host.name': 'idp-0', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': '2.0.1' }
  return [{ resource, schemaUrl: '', scopes: [{ scope: { name: 'reference-idp', version: '1.4.2', attributes: {}, schemaUrl: '', droppedAttributes: 0 }, items }] }]
}

interface Captured { table: string; columns: readonly string[]; format: string; rows: number; body: Buffer }

async function jsPath(): Promise<void> {
  const captured: Captured[] = []
  const writer = { write: async (records: Captured[]) => { captured.push(...records) }, health: () => ({ status: 'ok' as const, reason: '' }), close: async () => {} }
  const ingest = createIngest({ exec: async () => { throw new Error('not used') } } as never, { writer: writer as never })
  const t0Ms = Date.UTC(2026, 11, 7, 10)
  // Warm-up, then timed rounds of fresh records (the decoded blocks are built outside the timing).
  await ingest.logs(blocks(-1, EVENTS, t0Ms))
  let ms = 0
  let cpuUs = 0
  for (let r = 0; r < ROUNDS; r++) {
    const b = blocks(r, EVENTS, t0Ms + r * EVENTS)
    const t = performance.now()
    const c = process.cpuUsage()
    await ingest.logs(b)
    const d = process.cpuUsage(c)
    ms += performance.now() - t
    cpuUs += d.user + d.system
  }
  const bytes = captured.reduce((n, c) => n + c.body.length, 0)
  // CPU time is the figure to compare on a shared machine; wall time includes waiting for a core.
  console.log(`js path: ${(cpuUs / (EVENTS * ROUNDS)).toFixed(2)} µs CPU/event, ${((ms * 1000) / (EVENTS * ROUNDS)).toFixed(2)} µs wall/event over ${ROUNDS} × ${EVENTS} log records (${captured.map((c) => c.format).filter((f, i, a) => a.indexOf(f) === i).join(', ')}; ${(bytes / (EVENTS * (ROUNDS + 1))).toFixed(0)} body bytes/record)`)
}

async function formats(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-encode-'))
  const ch = await openClickHouse(loadCollectorConfig({}, { dataDir: dir }))
  try {
    await migrate(ch.client, { ttlDays: 3650 })
    await ch.client.command({ query: 'CREATE TABLE scratch AS mfa_events ENGINE = MergeTree ORDER BY tuple()' })
    const captured: Captured[] = []
    const writer = { write: async (records: Captured[]) => { captured.push(...records) }, health: () => ({ status: 'ok' as const, reason: '' }), close: async () => {} }
    const ingest = createIngest({ exec: async () => { throw new Error('not used') } } as never, { writer: writer as never })
    const exec = async (query: string, body: Buffer) => {
      const res = await ch.ingest.exec({ query, values: Readable.from([body]) })
      res.stream.resume()
      await new Promise((r) => res.stream.once('end', r).once('close', r))
    }
    const t0Ms = Date.UTC(2026, 11, 7, 10)
    const time = { TabSeparated: 0, JSONCompactEachRow: 0 }
    const cpu = { TabSeparated: 0, JSONCompactEachRow: 0 }
    let rows = 0
    for (let r = 0; r < ROUNDS; r++) {
      captured.length = 0
      await ingest.logs(blocks(1000 + r, EVENTS, t0Ms + r * EVENTS))
      const tsv = captured.find((c) => c.table === 'mfa_events') as Captured
      const cols = tsv.columns.map((c) => `\`${c}\``).join(', ')
      // The same rows as JSONCompactEachRow, rendered by ClickHouse from the TabSeparated body.
      await ch.ingest.command({ query: 'TRUNCATE TABLE scratch' })
      await exec(`INSERT INTO scratch (${cols}) FORMAT TabSeparated`, tsv.body)
      const json = Buffer.from(await (await ch.ingest.query({ query: `SELECT ${cols} FROM scratch`, format: 'JSONCompactEachRow' })).text())
      // Two copies with other ids (distinct blocks, so insert deduplication keeps both), alternating which goes first.
      const other = (b: Buffer, tag: string) => Buffer.from(b.toString('utf8').replaceAll(`${1000 + r}-`, `${tag}${1000 + r}-`))
      const order: (keyof typeof time)[] = r % 2 === 0 ? ['TabSeparated', 'JSONCompactEachRow'] : ['JSONCompactEachRow', 'TabSeparated']
      for (const f of order) {
        const body = f === 'TabSeparated' ? other(tsv.body, 't') : other(json, 'j')
        const t = performance.now()
        const c = process.cpuUsage()
        await exec(`INSERT INTO mfa_events (${cols}) FORMAT ${f}`, body)
        const d = process.cpuUsage(c)
        time[f] += performance.now() - t
        cpu[f] += d.user + d.system
      }
      rows += tsv.rows
    }
    for (const f of Object.keys(time) as (keyof typeof time)[]) {
      // chDB runs in this process: its threads' CPU time is in process.cpuUsage().
      console.log(`chDB insert into mfa_events (+ rollup views), ${f}: ${(cpu[f] / rows).toFixed(2)} µs CPU/event, ${((time[f] * 1000) / rows).toFixed(2)} µs wall/event (${ROUNDS} inserts of ${rows / ROUNDS} rows)`)
    }
  } finally {
    await ch.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await jsPath()
if (!process.argv.includes('--js-only')) await formats()
