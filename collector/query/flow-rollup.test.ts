import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mfaEventRow } from '../storage/rows'
import { generatedEvents } from '../../test/support/generated-events'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { metricDef } from './catalogue'
import { createFlowRollupJob } from './flow-rollup-job'
import { FINALIZE_AFTER_MS, finalizedUntil, rollupKey, rollupReadSql, splitWindow, tailContext } from './flow-rollup'
import { runMetrics, runSql } from './run'
import { RAW } from './source'
import type { Filters, MetricContext, QueryWindow, Row } from './types'

/**
 * The flow rollup must answer exactly what raw events answer: the same flows, the same hits,
 * for no filter and for each single filter, whether the window is all finalized hours or split
 * between finalized hours and a raw tail. Late events make an hour dirty and it is finalized again.
 */

const H = 3_600_000
const FROM = Date.UTC(2026, 10, 2, 0, 0, 0)
const HOURS = 30
const TO = FROM + HOURS * H
let store: TestStore

/** A flow that starts with SMS in one hour and succeeds by TOTP in the next, seconds after the hour. */
function straddling(flow: string, hourMs: number) {
  const who = { 'mfa.user_hash': 'ab'.repeat(16), 'mfa.user_group': 'workforce', 'mfa.region': 'eu-west', 'mfa.client': 'web', 'mfa.intent': 'login' }
  const ev = (dtMs: number, name: string, id: string, attrs: Record<string, string | number>) =>
    mfaEventRow({ tsMs: hourMs + dtMs, service: 'test-idp', attrs: { 'event.name': name, 'event.id': `${flow}-${id}`, 'mfa.flow_id': flow, ...who, ...attrs } })
  return [
    ev(-20_000, 'mfa.challenge.issued', 'i1', { 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.reason': 'login_required' }),
    ev(-10_000, 'mfa.challenge.verified', 'v1', { 'mfa.factor': 'sms', 'mfa.provider': 'twilio', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code' }),
    ev(5_000, 'mfa.fallback', 'f1', { 'mfa.fallback_from': 'sms', 'mfa.fallback_to': 'totp', 'mfa.factor': 'totp', 'mfa.reason': 'user_choice' }),
    ev(9_000, 'mfa.challenge.verified', 'v2', { 'mfa.factor': 'totp', 'mfa.outcome': 'success', 'mfa.reason': 'ok' }),
    ev(9_100, 'mfa.login.completed', 'c', { 'mfa.outcome': 'success', 'mfa.reason': 'mfa_satisfied' }),
  ]
}

const window = (fromMs = FROM, toMs = TO + H): QueryWindow => ({ fromMs, toMs, stepS: 3600 })

/** The raw answer, as the API gave it before the rollup existed. */
async function raw(id: 'M1' | 'M3' | 'M6' | 'M10', w: QueryWindow, filters: Filters) {
  const def = metricDef(id)
  const ctx: MetricContext = { window: w, filters, nowMs: TO + 10 * H, source: RAW }
  return def.shape(await runSql(store.client, def.sql(ctx)), ctx) as { value: number | null; flows: number }
}

async function viaApi(id: 'M1' | 'M3' | 'M6' | 'M10', w: QueryWindow, filters: Filters) {
  const r = (await runMetrics(store.client, { ids: [id], window: w, filters }, TO + 10 * H))[id] as { value: number | null; flows: number; source: string }
  return r
}

beforeAll(async () => {
  store = await openTestStore('fw-flow-rollup-')
  const rows = [...generatedEvents({ fromMs: FROM, toMs: TO, flows: 2500, seed: 5 }), ...straddling('straddle-a', FROM + 6 * H), ...straddling('straddle-b', FROM + 20 * H), ...straddling('straddle-split', FROM + 12 * H)]
  await store.client.insert({ table: 'mfa_events', values: rows, format: 'JSONEachRow' })
}, 120_000)
afterAll(async () => { await store?.close() })

const CASES: [string, Filters][] = [['no filter', {}], ['factor', { factor: 'sms' }], ['factor totp', { factor: 'totp' }], ['region', { region: 'us-east' }], ['user group', { user_group: 'workforce' }], ['client', { client: 'ios' }], ['provider', { provider: 'twilio' }]]

describe('flow rollup', () => {
  it('finalizes nothing before the first hour is final, then catches up oldest first', async () => {
    const early = createFlowRollupJob({ client: store.client, now: () => FROM + H + FINALIZE_AFTER_MS - 1 })
    expect((await early.run()).finalizedHours).toBe(0)
    expect(await finalizedUntil(store.client)).toBeNull()
    // Finalize the first 12 hours only: the rest of the window is a raw tail.
    const job = createFlowRollupJob({ client: store.client, now: () => FROM + 12 * H + FINALIZE_AFTER_MS })
    const r = await job.run()
    expect(r.finalizedHours).toBe(12)
    expect(await finalizedUntil(store.client)).toBe(FROM + 12 * H)
  }, 120_000)

  it.each(CASES)('split window (12 h rollup + raw tail) equals raw: %s', async (_n, filters) => {
    for (const id of ['M1', 'M3', 'M6', 'M10'] as const) {
      const a = await viaApi(id, window(), filters)
      const b = await raw(id, window(), filters)
      expect({ id, value: a.value, flows: a.flows }).toEqual({ id, value: b.value, flows: b.flows })
      const expectSource = id === 'M6' && filters.provider ? 'raw' : 'flow_rollup_5m'
      expect(a.source).toBe(expectSource)
    }
  }, 120_000)

  it.each(CASES)('a day at 15-minute steps reads the 5-minute buckets and gives the raw answer: %s', async (_n, filters) => {
    // A day's chart (900 s is the step the API picks for 24 hours): 12 finalized hours, 12 raw; the
    // straddling flows cross buckets. From FROM: no flow starts before the window.
    const w: QueryWindow = { fromMs: FROM, toMs: FROM + 24 * H, stepS: 900 }
    const ctx: MetricContext = { window: w, filters, nowMs: TO + 10 * H, source: RAW }
    const split = splitWindow(ctx, await finalizedUntil(store.client))
    expect(split).toBe(FROM + 12 * H)
    /** Flows and hits per bucket, from rows of one or more statements. */
    const perBucket = (rows: Row[]) => {
      const out: Record<number, [number, number]> = {}
      for (const r of rows) {
        const [f, h] = out[Number(r.t)] ?? [0, 0]
        out[Number(r.t)] = [f + Number(r.flows), h + Number(r.hits)]
      }
      return out
    }
    for (const id of ['M1', 'M3', 'M6', 'M10'] as const) {
      const a = await viaApi(id, w, filters)
      const b = await raw(id, w, filters)
      expect(a.source).toBe(id === 'M6' && filters.provider ? 'raw' : 'flow_rollup_5m')
      expect({ id, value: a.value, flows: a.flows }).toEqual({ id, value: b.value, flows: b.flows })
      const key = rollupKey(id, ctx)
      if (Object.keys(filters).length > 0 || !key) continue
      // Unfiltered, every flow sits in the same bucket as raw events put it: the bucket of its first anchor event.
      const rolled = [...await runSql(store.client, rollupReadSql(id, ctx, key, split!)), ...await runSql(store.client, metricDef(id).sql(tailContext(ctx, split!)))]
      const rawRows = await runSql(store.client, metricDef(id).sql(ctx))
      expect(Object.keys(perBucket(rawRows)).length).toBeGreaterThan(80)
      expect(perBucket(rolled)).toEqual(perBucket(rawRows))
    }
  }, 120_000)

  it.each(CASES)('whole window from the rollup equals raw: %s', async (_n, filters) => {
    await createFlowRollupJob({ client: store.client, now: () => TO + 2 * H }).run()
    expect(splitWindow({ window: window(), filters, nowMs: 0, source: RAW }, await finalizedUntil(store.client))).toBe(TO + H)
    for (const id of ['M1', 'M3', 'M6', 'M10'] as const) {
      const a = await viaApi(id, window(), filters)
      const b = await raw(id, window(), filters)
      expect({ id, value: a.value, flows: a.flows }).toEqual({ id, value: b.value, flows: b.flows })
    }
  }, 120_000)

  it('two filters read raw events', async () => {
    const r = await viaApi('M1', window(), { factor: 'sms', region: 'eu-west' })
    expect(r.source).toBe('raw')
  })

  it('a late event makes its hour dirty; the next run finalizes it again', async () => {
    const before = await viaApi('M1', window(), {})
    await store.client.insert({ table: 'mfa_events', values: straddling('late-c', FROM + 3 * H + 30 * 60_000), format: 'JSONEachRow' })
    // Before the job comes round, answers read raw events from the dirty hour on: the late flow counts at once.
    expect(await finalizedUntil(store.client)).toBe(FROM + 3 * H)
    const meanwhile = await viaApi('M1', window(), {})
    expect([meanwhile.flows, meanwhile.source]).toEqual([before.flows + 1, 'flow_rollup_5m'])
    const r = await createFlowRollupJob({ client: store.client, now: () => TO + 2 * H }).run()
    expect(r.refreshedHours).toBeGreaterThanOrEqual(1)
    const after = await viaApi('M1', window(), {})
    expect(after.flows).toBe(before.flows + 1)
    expect(after.flows).toBe((await raw('M1', window(), {})).flows)
    // Nothing is dirty any more.
    expect((await createFlowRollupJob({ client: store.client, now: () => TO + 2 * H }).run()).refreshedHours).toBe(0)
    expect(await finalizedUntil(store.client)).toBe(TO + H)
  }, 120_000)

  it('a late anchor earlier in its hour moves the flow to an earlier bucket, and it still counts once', async () => {
    // A region of its own: the flow is alone in its buckets under that filter value.
    const who = { 'mfa.user_hash': 'cd'.repeat(16), 'mfa.user_group': 'workforce', 'mfa.region': 'ap-moved', 'mfa.client': 'web', 'mfa.intent': 'login' }
    const ev = (atMs: number, name: string, id: string, attrs: Record<string, string | number>) =>
      mfaEventRow({ tsMs: atMs, service: 'test-idp', attrs: { 'event.name': name, 'event.id': `moved-${id}`, 'mfa.flow_id': 'moved', ...who, ...attrs } })
    const at = FROM + 8 * H
    const w: QueryWindow = { fromMs: FROM, toMs: FROM + 24 * H, stepS: 900 }
    const flowsPerBucket = async () => {
      const key = { dim: 'region', value: 'ap-moved' }
      const ctx: MetricContext = { window: { ...w, stepS: 300 }, filters: {}, nowMs: TO + 10 * H, source: RAW }
      return Object.fromEntries((await runSql(store.client, rollupReadSql('M3', ctx, key, w.toMs))).map((r) => [Number(r.t), Number(r.flows)]))
    }
    await store.client.insert({ table: 'mfa_events', values: [ev(at + 12 * 60_000, 'mfa.challenge.issued', 'i2', { 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.reason': 'login_required' })], format: 'JSONEachRow' })
    await createFlowRollupJob({ client: store.client, now: () => TO + 2 * H }).run()
    const before = await flowsPerBucket()
    // The same flow's earlier challenge arrives late: the flow now belongs to the 08:00 bucket, not 08:10's.
    await store.client.insert({ table: 'mfa_events', values: [ev(at + 3 * 60_000, 'mfa.challenge.issued', 'i1', { 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.reason': 'login_required' })], format: 'JSONEachRow' })
    expect((await createFlowRollupJob({ client: store.client, now: () => TO + 2 * H }).run()).refreshedHours).toBeGreaterThanOrEqual(1)
    const after = await flowsPerBucket()
    expect([before[at], before[at + 10 * 60_000]]).toEqual([undefined, 1])
    expect([after[at], after[at + 10 * 60_000]]).toEqual([1, 0])
    for (const filters of [{}, { region: 'ap-moved' }]) {
      const a = await viaApi('M3', w, filters)
      const b = await raw('M3', w, filters)
      expect([a.source, a.flows]).toEqual(['flow_rollup_5m', b.flows])
    }
    expect((await viaApi('M3', w, { region: 'ap-moved' })).flows).toBe(1)
  }, 120_000)

  it('short windows and steps that are not whole 5 minutes keep reading raw events', async () => {
    expect((await viaApi('M1', { fromMs: FROM, toMs: FROM + 2 * H, stepS: 3600 }, {})).source).toBe('raw')
    expect((await viaApi('M1', { fromMs: FROM, toMs: TO, stepS: 120 }, {})).source).toBe('raw')
    expect((await viaApi('M1', { fromMs: FROM, toMs: TO, stepS: 600 }, {})).source).toBe('flow_rollup_5m')
  })
})
