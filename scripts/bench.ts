/**
 * `npm run bench`: performance figures, printed with ratios. Targets live here, not in tests.
 *  - collector ingest: MFA events/s over HTTP into embedded ClickHouse, OTLP/JSON vs protobuf
 *  - reference IdP logins/s: added with the IdP (scripts/bench/idp.ts), not yet landed
 */
import { benchIngest } from './bench/ingest'

const INGEST_TARGET = 100_000
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
  if (want('idp')) console.log('idp: no reference IdP benchmark yet (the IdP has not landed)')
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`)
  process.exit(1)
})
