/**
 * `freshness`: how long after its acknowledgement an event shows in `/api/v1/metrics`, under a
 * steady background load. Every probe is one sign-in (a successful verification) in a region
 * of its own; after the collector acknowledges it, the probe asks M1 for that region every
 * 50 ms until the flow is counted. The figure is acknowledgement → first answer that counts it;
 * a probe refused until its retries ran out, or never visible within 60 s, counts as ∞.
 */
import { buildEvent } from '../../contract'
import { withCollector } from './collector-process'
import { encode, eventPool, OtlpSender, pacedLoad, templates } from './otlp-load'

export interface FreshnessBench { probes: number; backgroundPerS: number; p50Ms: number; p95Ms: number; maxMs: number }

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]
const TIMEOUT_MS = 60_000

export async function benchFreshness(o: { probes: number; backgroundPerS: number; everyMs: number; log: (s: string) => void }): Promise<FreshnessBench> {
  const tpls = await templates('protobuf', eventPool(Date.now(), 4096), [512])
  return withCollector(async (c) => {
    const run = Math.random().toString(36).slice(2, 8)
    const load = o.backgroundPerS > 0 ? pacedLoad({ url: new URL('/v1/logs', c.otlpUrl), encoding: 'protobuf', templates: tpls, eventsPerS: o.backgroundPerS, firstSeq: Math.floor(Math.random() * 0x7fffffff) }) : undefined
    const sender = new OtlpSender(new URL('/v1/logs', c.otlpUrl), 'protobuf', 4)
    o.log(`  ${o.probes} probes, one every ${o.everyMs} ms, under ${o.backgroundPerS.toLocaleString('en-US')} events/s of background load`)
    const probe = async (k: number): Promise<number> => {
      const region = `fresh-${run}-${k}`
      const ts = Date.now()
      const attrs = buildEvent('mfa.challenge.verified', {
        'mfa.flow_id': `fresh-${run}-${k}`, 'mfa.factor': 'totp', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.attempt': 1, 'mfa.latency_ms': 4200,
        'mfa.region': region, 'mfa.user_group': 'workforce', 'mfa.client': 'web', 'mfa.user_hash': 'f'.repeat(32),
      })
      const body = await encode('protobuf', [{ tsMs: ts, service: 'reference-idp', attrs }])
      // Refused for overload: retried after Retry-After as an exporter would; freshness counts from the acknowledgement.
      let r = await sender.send(body)
      for (let attempt = 0; (r.status === 429 || r.status === 503) && attempt < 10; attempt++) {
        await new Promise((res) => setTimeout(res, Math.min(5, r.retryAfterS ?? 1) * 1000))
        r = await sender.send(body)
      }
      if (r.status !== 200 || r.rejected > 0) throw new Error(`probe ${k} answered ${r.status}${r.rejected ? `, ${r.rejected} rejected` : ''}: ${r.error ?? ''}`)
      const acked = performance.now()
      const q = `/api/v1/metrics?ids=M1&region=${region}&from=${new Date(ts - 300_000).toISOString()}&to=${new Date(ts + 300_000).toISOString()}`
      for (;;) {
        const m = await c.get<{ M1?: { flows?: number } }>(q)
        if ((m.M1?.flows ?? 0) >= 1) return performance.now() - acked
        if (performance.now() - acked > TIMEOUT_MS) throw new Error(`probe ${k} not visible in M1 ${TIMEOUT_MS / 1000} s after its acknowledgement`)
        await new Promise((res) => setTimeout(res, 50))
      }
    }
    try {
      // Probes overlap (one leaves every `everyMs` whether or not the last one is visible yet).
      const pending: Promise<number | Error>[] = []
      for (let k = 0; k < o.probes; k++) {
        pending.push(probe(k).catch((e: unknown) => e as Error))
        await new Promise((res) => setTimeout(res, o.everyMs))
      }
      const results = await Promise.all(pending)
      // A probe never acknowledged (overload outlasting its retries) or never visible counts as ∞.
      const failed = results.filter((r): r is Error => r instanceof Error)
      if (failed.length > 0) o.log(`  ${failed.length} of ${results.length} probes failed; last: ${failed.at(-1)!.message.slice(0, 300)}`)
      const ms = results.map((r) => (r instanceof Error ? Number.POSITIVE_INFINITY : r)).sort((a, b) => a - b)
      return { probes: ms.length, backgroundPerS: o.backgroundPerS, p50Ms: quantile(ms, 0.5), p95Ms: quantile(ms, 0.95), maxMs: ms.at(-1)! }
    } finally {
      sender.close()
      await load?.stop()
    }
  })
}
