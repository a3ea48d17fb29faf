import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { openClickHouse } from '../collector/storage/client'
import { freePort, until, type Running, startProcess, tempDir } from './support/processes'

/*
 * Nothing acknowledged is lost, nothing is counted twice: concurrent exporters send contract
 * events with unique ids to a collector process, which is killed with SIGKILL mid-load; a new
 * process on the same data directory replays its spool. Then every acknowledged id must be in
 * mfa_events exactly once, and the per-minute rollup (fed by a materialized view, so a replayed
 * insert would double it) must count what mfa_events holds.
 */
const dataDir = tempDir('durability')
let collector: Running | undefined
afterAll(async () => {
  await collector?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function startCollector(otlpPort: number, queryPort: number): Promise<Running> {
  return startProcess('collector', 'collector/main.ts', [], {
    FACTORWATCH_DATA_DIR: dataDir, COLLECTOR_HOST: '127.0.0.1', COLLECTOR_OTLP_PORT: String(otlpPort), COLLECTOR_QUERY_PORT: String(queryPort),
    // Batches held for 5 s: a kill while exports flow finds rows spooled but not yet inserted.
    OTLP_BATCH_MS: '5000', OTLP_BATCH_ROWS: '1000000', ALERT_EVAL_INTERVAL_S: '3600',
  }, [/collector otlp listening/, /collector query listening/])
}

const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })
/** One OTLP/JSON export of `n` contract events with ids `${prefix}-${i}`, each costing 1 µ (the rollups sum it). */
function exportBody(prefix: string, n: number, baseMs: number): { body: string; ids: string[] } {
  const ids: string[] = []
  const logRecords = Array.from({ length: n }, (_, i) => {
    const id = `${prefix}-${i}`
    ids.push(id)
    return {
      timeUnixNano: `${baseMs + i}000000`,
      attributes: [
        kv('event.name', 'mfa.challenge.verified'), kv('event.id', id), kv('mfa.flow_id', `flow-${prefix}`), kv('mfa.factor', 'totp'),
        kv('mfa.outcome', i % 5 === 0 ? 'failure' : 'success'), kv('mfa.reason', i % 5 === 0 ? 'invalid_code' : 'ok'), kv('mfa.latency_ms', 400 + i), kv('mfa.cost_micros', 1),
      ],
    }
  })
  return { body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [kv('service.name', 'durability-test')] }, scopeLogs: [{ scope: { name: 'load' }, logRecords }] }] }), ids }
}

describe('collector durability', () => {
  it('loses no acknowledged event and counts none twice across kill -9 and replay', async () => {
    const [otlpPort, queryPort] = [await freePort(), await freePort()]
    collector = await startCollector(otlpPort, queryPort)
    const acked: string[] = []
    let sent = 0
    let stop = false
    const baseMs = Date.now() - 10 * 60_000
    const exporter = async (e: number) => {
      for (let b = 0; !stop; b++) {
        const { body, ids } = exportBody(`e${e}-b${b}`, 200, baseMs + (e * 1000 + b) * 250)
        sent++
        try {
          const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
          if (res.status === 200) acked.push(...ids)
          await res.arrayBuffer()
        } catch {
          return // the collector is gone: what was in flight was never acknowledged
        }
      }
    }
    const load = Promise.all(Array.from({ length: 6 }, (_, e) => exporter(e)))
    // Kill at a random moment once the load is flowing (a slow machine acknowledges late).
    await until('first acknowledgements', () => (acked.length >= 1000 ? true : undefined), 60_000)
    const killAfterMs = Math.floor(Math.random() * 2000)
    await new Promise((r) => setTimeout(r, killAfterMs))
    collector.proc.kill('SIGKILL')
    await new Promise((r) => collector!.proc.once('exit', r))
    stop = true
    await load
    expect(acked.length).toBeGreaterThan(0)

    collector = await startCollector(otlpPort, queryPort)
    // What the killed process spooled but had not inserted is replayed first.
    expect(collector.output()).toMatch(/spool: replaying \d+ rows/)
    // More load on the new process, stopped by SIGTERM mid-load (compose stop, Ctrl-C in npm start):
    // it drains the spool into ClickHouse before it exits.
    stop = false
    const load2 = Promise.all(Array.from({ length: 4 }, (_, e) => exporter(10 + e)))
    await new Promise((r) => setTimeout(r, 1500))
    const proc = collector.proc
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
    proc.kill('SIGTERM')
    stop = true
    await load2
    expect(await exited).toBe(0)
    expect(collector.output()).toMatch(/collector: SIGTERM, draining/)
    collector = undefined
    expect(readdirSync(join(dataDir, 'spool', 'mfa_events')).filter((f) => f.endsWith('.seg'))).toEqual([])

    const ch = await openClickHouse(loadCollectorConfig({}, { dataDir }))
    try {
      const one = async (query: string, params: Record<string, unknown> = {}) =>
        Object.fromEntries(Object.entries((await (await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<Record<string, string | number>>())[0]).map(([k, v]) => [k, Number(v)]))
      const stored = await one(`SELECT count() AS rows, uniqExact(event_id) AS ids, countIf(event_id IN {acked:Array(String)}) AS acked FROM mfa_events WHERE flow_id LIKE 'flow-e%'`, { acked })
      const context = `kill ${killAfterMs} ms after the first 1,000 acknowledgements, ${sent} exports sent, ${acked.length} events acknowledged`
      // None lost: every acknowledged id is there. None doubled: as many rows as ids.
      expect({ ...stored, context }).toEqual({ rows: stored.ids, ids: stored.ids, acked: acked.length, context })
      // The rollup counts each stored event once (cost_micros is 1 per event; summed, a replayed insert would show).
      const perMinute = await one(`
        SELECT sum(raw.n = r.cost) AS equal_minutes, count() AS minutes, sum(raw.n) AS raw_events, sum(r.cost) AS rollup_events
        FROM (SELECT toStartOfMinute(ts) AS minute, count() AS n FROM mfa_events WHERE service = 'durability-test' GROUP BY minute) AS raw
        LEFT JOIN (SELECT minute, sum(cost_micros) AS cost FROM mfa_rollup_1m WHERE event = 'mfa.challenge.verified' AND factor = 'totp' GROUP BY minute) AS r USING minute`)
      expect(perMinute.raw_events).toBe(stored.rows)
      expect(perMinute.rollup_events).toBe(perMinute.raw_events)
      expect(perMinute.equal_minutes).toBe(perMinute.minutes)
    } finally {
      await ch.close()
    }
  }, 90_000)
})
