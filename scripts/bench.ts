/**
 * `npm run bench`: performance figures, printed with ratios. Targets live here, not in tests.
 *  - collector ingest: MFA events/s over HTTP into embedded ClickHouse, OTLP/JSON vs protobuf
 *  - reference IdP: complete TOTP logins/s (password + code), telemetry on vs off; passkey verifications/s
 *  - adapter layer: p50/p95 latency added by fallback chain + breaker + vendor adapter
 *  - alerting: one evaluation cycle of every default SLO and alert rule over 10 million events
 *  - security panels: p50/p95 of each Security/Explore/Executive report over 30 days of demo-scale events
 */
import { benchAdapters } from './bench/adapters'
import { benchAlerting, type AlertingBench } from './bench/alerting'
import { benchIdp } from './bench/idp'
import { benchIngest } from './bench/ingest'
import { benchSecurity } from './bench/security'
import { benchWebauthn } from './bench/webauthn'

const INGEST_TARGET = 100_000
const ALERTING_TARGET_MS = 1000
const PANEL_P95_TARGET_MS = 200
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  if (want('ingest')) {
    console.log(`ingest: ${seconds}s per encoding, batches of contract events into embedded chDB`)
    const r = await benchIngest({ seconds })
    console.log(`  OTLP/JSON            ${fmt(r.json).padStart(10)} events/s`)
    console.log(`  OTLP/protobuf        ${fmt(r.protobuf).padStart(10)} events/s   (${(r.protobuf / r.json).toFixed(2)}x JSON)`)
    console.log(`  OTLP/protobuf+gzip   ${fmt(r.protobufGzip).padStart(10)} events/s`)
    console.log(`  protobuf vs target ${fmt(INGEST_TARGET)}/s: ${(r.protobuf / INGEST_TARGET).toFixed(2)}x`)
  }
  if (want('idp')) {
    console.log(`idp: ${seconds}s per mode, complete TOTP logins (password + code) over HTTP, 8 concurrent, PGlite`)
    await benchIdp({ seconds: 2, telemetry: false }) // warm-up: JIT and scrypt pool, not reported
    const off = await benchIdp({ seconds, telemetry: false })
    const on = await benchIdp({ seconds, telemetry: true })
    console.log(`  telemetry on         ${on.totpLoginsPerSec.toFixed(1).padStart(10)} logins/s   p50 ${on.p50Ms.toFixed(0)} ms, p95 ${on.p95Ms.toFixed(0)} ms, ${fmt(on.otlpBytes)} OTLP bytes`)
    console.log(`  telemetry off        ${off.totpLoginsPerSec.toFixed(1).padStart(10)} logins/s   p50 ${off.p50Ms.toFixed(0)} ms, p95 ${off.p95Ms.toFixed(0)} ms`)
    console.log(`  telemetry cost: ${(on.totpLoginsPerSec / off.totpLoginsPerSec).toFixed(2)}x of the throughput without it`)
    const wa = await benchWebauthn({ seconds })
    console.log(`  passkey sign-ins     ${wa.verificationsPerSec.toFixed(1).padStart(10)} verifications/s   p50 ${wa.p50Ms.toFixed(0)} ms, p95 ${wa.p95Ms.toFixed(0)} ms (passwordless, options + verify, telemetry on)`)
  }
}

async function adapters(): Promise<void> {
  console.log(`adapters: ${seconds}s, SMS sends to the simulator's Twilio API (near-zero vendor latency), bare HTTP vs the IdP's vendor layer`)
  const r = await benchAdapters({ seconds })
  console.log(`  bare request         p50 ${r.bareP50.toFixed(2)} ms, p95 ${r.bareP95.toFixed(2)} ms`)
  console.log(`  through adapters     p50 ${r.adapterP50.toFixed(2)} ms, p95 ${r.adapterP95.toFixed(2)} ms   (${r.sends} sends each)`)
  console.log(`  added by the layer   p50 ${r.addedP50.toFixed(2)} ms, p95 ${r.addedP95.toFixed(2)} ms   (${(r.adapterP95 / r.bareP95).toFixed(2)}x at p95)`)
}

async function alerting(): Promise<void> {
  const events = Number(process.env.BENCH_ALERTING_EVENTS ?? 10_000_000)
  console.log(`alerting: ${fmt(events)} events over the last 3 days in embedded chDB, every default rule, 5 cycles 30 s apart`)
  const r = await benchAlerting({ events, cycles: 5 })
  const sorted = [...r.steadyMs].sort((a, b) => a - b)
  console.log(`  seeding              ${r.seedS.toFixed(1).padStart(10)} s (INSERT … SELECT, rollups included)`)
  console.log(`  first cycle          ${fmt(r.coldMs).padStart(10)} ms   (reads 3 d of minutes and 28 d of hours: ${r.slos} SLOs, ${r.rules} alerts)`)
  console.log(`  steady cycle         ${fmt(sorted[Math.floor(sorted.length / 2)]).padStart(10)} ms p50, ${fmt(sorted.at(-1)!)} ms max (re-reads the last 10 minutes of events)`)
  const avg = (k: keyof AlertingBench['phases'][number]) => fmt(r.phases.reduce((a, p) => a + p[k], 0) / r.phases.length)
  console.log(`  steady cycle split   counts ${avg('countsMs')} ms, thresholds ${avg('thresholdsMs')} ms, evaluate ${avg('evaluateMs')} ms, history + notify ${avg('recordNotifyMs')} ms (means)`)
  console.log(`  GET /api/v1/slos     ${fmt(r.slosMs).padStart(10)} ms   (attribution over each SLO window, on demand, then cached 5 min)`)
  console.log(`  vs target ${ALERTING_TARGET_MS} ms per cycle: first ${(r.coldMs / ALERTING_TARGET_MS).toFixed(2)}x, steady ${(sorted.at(-1)! / ALERTING_TARGET_MS).toFixed(2)}x`)
}

async function security(): Promise<void> {
  const rate = Number(process.env.BENCH_SECURITY_RATE ?? 3)
  const days = Number(process.env.BENCH_SECURITY_DAYS ?? 30)
  const runs = Number(process.env.BENCH_SECURITY_RUNS ?? 20)
  console.log(`security panels: ${days} days at ${rate} sign-ins/s (npm start's demo rate) in embedded chDB, ${runs} runs per panel after one warm-up`)
  await benchSecurity({
    rate, days, iterations: runs,
    onFilled: (events, s) => console.log(`  ${fmt(events)} events generated in ${s.toFixed(0)} s`),
    onPanel: (p) => console.log(`  ${p.path.padEnd(30)} p50 ${p.p50Ms.toFixed(0).padStart(6)} ms, p95 ${p.p95Ms.toFixed(0).padStart(6)} ms   (${(p.p95Ms / PANEL_P95_TARGET_MS).toFixed(2)}x of the ${PANEL_P95_TARGET_MS} ms target)`),
  })
}

main().then(() => (want('adapters') ? adapters() : undefined)).then(() => (want('alerting') ? alerting() : undefined)).then(() => (want('security') ? security() : undefined)).catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`)
  process.exit(1)
})
