/**
 * Added latency of the adapter layer: the same SMS send to the simulator's Twilio API, once as
 * a bare HTTP request and once through the IdP's vendor layer (registry fallback chain,
 * breaker, Twilio adapter, result mapping). The simulator answers with near-zero latency, so
 * the difference is our own overhead.
 */
import { startSimulator } from '../../reference-idp/simulator'
import { DEFAULT_CREDENTIALS } from '../../reference-idp/simulator/vendors/types'
import { createAdapters } from '../../reference-idp/subprocessors/adapters'
import { loadRegistry } from '../../dashboards/schema/registry'
import { createVendorSender } from '../../reference-idp/vendors/vendor-sender'
import { createIdpMetrics } from '../../reference-idp/telemetry/metrics'
import { createTelemetry } from '../../reference-idp/telemetry/telemetry'
import { simulatorSendCredentials } from '../../reference-idp/simulator/idp-settings'
import { systemClock } from '../../contract/clock'

const fast = { medianMs: 0.01, sigma: 0.01, tailProb: 0, tailMultiplier: 1 }

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]

export interface AdapterBenchResult { bareP50: number; bareP95: number; adapterP50: number; adapterP95: number; addedP50: number; addedP95: number; sends: number }

export async function benchAdapters(o: { seconds: number }): Promise<AdapterBenchResult> {
  const sim = await startSimulator({ port: 0, seed: 1, baseline: 'clean', profiles: { twilio: { api: fast, delivery: { ...fast, medianMs: 10 }, receiptLagMs: 10 } } })
  try {
    const registry = loadRegistry()
    const metrics = createIdpMetrics()
    const telemetry = createTelemetry({ enabled: false, otlpEndpoint: 'http://127.0.0.1:1', region: 'eu-west', version: 'bench', metrics })
    const sender = createVendorSender({ registry, adapters: createAdapters({ providerUrl: sim.url, registry, credentials: simulatorSendCredentials() }), telemetry, metrics, region: 'eu-west', now: systemClock.now })
    const { accountSid, authToken } = DEFAULT_CREDENTIALS.twilio
    const auth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`
    const bare = async (i: number) => {
      const body = new URLSearchParams({ To: `+49151${String(i % 1e8).padStart(8, '0')}`, From: '+15005550006', Body: '123456 is your FactorWatch code.' })
      const res = await fetch(`${sim.url}/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', 'x-sim-region': 'eu-west' }, body })
      await res.arrayBuffer()
      if (res.status !== 201) throw new Error(`bare send: HTTP ${res.status}`)
    }
    const viaAdapter = async (i: number) => {
      const r = await sender.send({ channel: 'sms', to: `+49151${String(i % 1e8).padStart(8, '0')}`, text: '123456 is your FactorWatch code.', idempotencyKey: `k${i}`, region: 'eu-west' })
      if (!r.ok || r.provider !== 'twilio') throw new Error(`adapter send: ${r.provider} ${r.reason}`)
    }
    // Alternate the two so both see the same machine state; one at a time, so latency is not queueing.
    const t = { bare: [] as number[], adapter: [] as number[] }
    for (let i = 0; i < 50; i++) await Promise.all([bare(i), viaAdapter(i)]) // warm-up
    const deadline = performance.now() + o.seconds * 1000
    for (let i = 100; performance.now() < deadline; i++) {
      let t0 = performance.now()
      await bare(i)
      t.bare.push(performance.now() - t0)
      t0 = performance.now()
      await viaAdapter(i)
      t.adapter.push(performance.now() - t0)
    }
    const r = { bareP50: pct(t.bare, 0.5), bareP95: pct(t.bare, 0.95), adapterP50: pct(t.adapter, 0.5), adapterP95: pct(t.adapter, 0.95) }
    return { ...r, addedP50: r.adapterP50 - r.bareP50, addedP95: r.adapterP95 - r.bareP95, sends: t.bare.length }
  } finally {
    await sim.close()
  }
}
