import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpoolWriter } from '../collector/ingest/batcher'
import { openWritePath } from '../collector/ingest/write-path'
import { loadCollectorConfig } from '../collector/config'
import { createOtlpServer } from '../collector/otlp/server'
import { openClickHouse } from '../collector/storage/client'
import { eventually, tempDir } from './support/processes'

/*
 * A ClickHouse server that hangs (a stub on CLICKHOUSE_URL: DDL answered, INSERTs never) must
 * not stall the receiver: exports are acknowledged from the spool, INSERTs time out and retry,
 * health says degraded; once the spool backlog passes OTLP_MAX_SPOOL_BYTES exports get 503 with
 * Retry-After at once; when ClickHouse answers again the backlog drains and exports get 200,
 * without a restart.
 */
let stub: Server
let otlp: Server
let writer: SpoolWriter
let closeCh: () => Promise<void>
const registry = new Registry()
const dataDir = tempDir('backpressure')
const state = { hang: true, hung: [] as ServerResponse[], inserted: 0, rows: 0, tokens: new Set<string>() }

function stubClickHouse(req: IncomingMessage, res: ServerResponse) {
  let body = ''
  let lines = 0
  req.on('data', (c: Buffer) => {
    if (body.length < 200) body += c.toString()
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++
  })
  req.on('end', () => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? body
    if (/^\s*INSERT/i.test(query)) {
      if (state.hang) return void state.hung.push(res) // never answered
      // Like ClickHouse, drop a repeated insert_deduplication_token (a retry of an INSERT whose answer came too late).
      const token = /insert_deduplication_token = '([^']*)'/.exec(query)?.[1]
      if (token === undefined || !state.tokens.has(token)) {
        if (token !== undefined) state.tokens.add(token)
        state.inserted++
        state.rows += lines
      }
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('')
  })
}

beforeAll(async () => {
  stub = createServer(stubClickHouse)
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r))
  const config = loadCollectorConfig({
    CLICKHOUSE_URL: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
    FACTORWATCH_DATA_DIR: dataDir,
    OTLP_INSERT_TIMEOUT_MS: '1000', OTLP_BATCH_MS: '20', OTLP_MAX_SPOOL_BYTES: String(256 * 1024), OTLP_MAX_SPOOL_AGE_S: '0',
  })
  const ch = await openClickHouse(config)
  closeCh = ch.close
  writer = await openWritePath({ config, client: ch.ingest, registry, now: () => Date.now() })
  otlp = createOtlpServer({ client: ch.ingest, writer, maxBodyBytes: 1 << 20, registry })
  await new Promise<void>((r) => otlp.listen(0, '127.0.0.1', r))
})
afterAll(async () => {
  state.hang = false
  for (const r of state.hung) r.destroy()
  await writer?.close(500)
  await new Promise((r) => otlp?.close(r))
  await closeCh?.()
  stub?.closeAllConnections()
  await new Promise((r) => stub?.close(r))
  rmSync(dataDir, { recursive: true, force: true })
})

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } })
let seq = 0
/** Rows of exports answered 200. */
let ackedRows = 0
async function post(n = 100) {
  const res = await send(n)
  if (res.status === 200) ackedRows += n
  return res
}
function send(n: number) {
  const b = seq++
  const logRecords = Array.from({ length: n }, (_, i) => ({
    timeUnixNano: `${Date.now() - 60_000 + i}000000`,
    attributes: [kv('event.name', 'mfa.challenge.verified'), kv('event.id', `bp-${b}-${i}`), kv('mfa.flow_id', `bp-${b}`), kv('mfa.factor', 'sms'), kv('mfa.outcome', 'success'), kv('padding', 'x'.repeat(200))],
  }))
  const body = JSON.stringify({ resourceLogs: [{ resource: { attributes: [kv('service.name', 'bp')] }, scopeLogs: [{ scope: { name: 's' }, logRecords }] }] })
  return fetch(`http://127.0.0.1:${(otlp.address() as AddressInfo).port}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
}
const metricValue = async (line: RegExp) => {
  const m = line.exec(await registry.metrics())
  return m ? Number(m[1]) : 0
}

describe('write path against a hanging ClickHouse server', () => {
  it('acknowledges from the spool while INSERTs hang, and reports degraded', async () => {
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200)
    // The INSERT holding those rows is stuck at the server, yet later exports are answered too.
    await eventually(async () => state.hung.length > 0, 10_000, 20)
    expect((await post()).status).toBe(200)
    expect(state.inserted).toBe(0)
    await eventually(async () => (await metricValue(/^factorwatch_insert_failures_total\{table="mfa_events",kind="transient"\} (\d+)/m)) > 0, 10_000, 50)
    expect(writer.health()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/inserts into mfa_events failing/) })
    expect(await metricValue(/^factorwatch_spool_backlog_rows (\d+)/m)).toBeGreaterThanOrEqual(400)
  })

  it('answers 503 with Retry-After once the backlog passes OTLP_MAX_SPOOL_BYTES, and 200 again when ClickHouse is back', async () => {
    let res: Response | undefined
    for (let i = 0; i < 100; i++) {
      res = await post()
      if (res.status !== 200) break
    }
    expect(res!.status).toBe(503)
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await res!.text()).toMatch(/storage behind/)
    expect(writer.health()).toMatchObject({ status: 'failing', reason: expect.stringMatching(/storage behind/) })
    expect(await metricValue(/^factorwatch_spool_backlog_rows (\d+)/m)).toBe(ackedRows)

    state.hang = false
    await eventually(async () => writer.backlog().rows === 0, 45_000, 100)
    // Every acknowledged row reached ClickHouse (the stub counts the rows of the INSERTs it answered).
    expect({ inserted: state.rows, refused: await metricValue(/^factorwatch_insert_refused_rows_total\{[^}]*\} (\d+)/m) }).toEqual({ inserted: ackedRows, refused: 0 })
    expect((await post()).status).toBe(200)
    expect(writer.health().status).toBe('ok')
  }, 60_000)
})
