/**
 * OTLP/HTTP log exports of realistic contract events, cheap enough to send at 100k events/s from
 * the same two cores the collector runs on. Events come from the shared generator
 * (test/support/generated-events.ts: sign-ins with every factor, vendor sends and receipts,
 * fallbacks, lockouts, recoveries, snapshots), are emitted through the OpenTelemetry log SDK the
 * way the reference IdP emits them, and serialized once by the SDK's own exporters' serializers
 * into a few templates per batch size. Each send copies a template and overwrites a fixed-width
 * placeholder in every `event.id` and `mfa.flow_id` with the send's sequence number: every batch
 * is distinct (deduplication cannot flatter a figure) and the body stays valid (same length).
 */
import { Agent, request } from 'node:http'
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BinaryReader } from '@bufbuild/protobuf/wire'
import { generatedContractEvents, type GeneratedEvent } from '../../test/support/generated-events'

export type Encoding = 'protobuf' | 'json'
export const CONTENT_TYPE: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' }

/** The OTel SDK's BatchLogRecordProcessor exports up to maxExportBatchSize (512 by default; fleets raise it to 2048). */
export const BATCH_SIZES = [512, 1024, 2048] as const

const PLACEHOLDER = '~~~~~~~~'
const TEMPLATES_PER_SIZE = 3

export interface Template { body: Buffer; events: number; verifications: number; offsets: number[] }

/** Sequence number → the 8 characters written over each placeholder. */
function stamp(seq: number): string {
  return (seq >>> 0).toString(16).padStart(8, '0')
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width)

/** Contract events of the last hour before `nowMs`, in time order, at least `min` of them. */
export function eventPool(nowMs: number, min: number, seed = 7): GeneratedEvent[] {
  const hour = 3_600_000
  // ~6 events per flow plus hourly account events; one pass is enough for the templates.
  const pool = generatedContractEvents({ fromMs: nowMs - hour, toMs: nowMs - 60_000, flows: Math.ceil(min / 5), seed })
  pool.sort((a, b) => a.tsMs - b.tsMs)
  // Ids of a fixed width with a placeholder to stamp: UUID-shaped like the IdP's, flows too.
  const flows = new Map<string, string>()
  pool.forEach((e, i) => {
    e.attrs['event.id'] = `${PLACEHOLDER}-${hex(i >> 12, 4)}-4${hex(i, 3)}-8000-${hex(i * 2654435761, 12)}`
    const f = e.attrs['mfa.flow_id']
    if (typeof f === 'string') {
      if (!flows.has(f)) flows.set(f, `${PLACEHOLDER}${hex(flows.size * 40503, 14)}`)
      e.attrs['mfa.flow_id'] = flows.get(f)!
    }
  })
  return pool
}

/** One exporter's batch as the OTel SDK would export it (resource, scope, severity, span context). */
async function records(events: GeneratedEvent[]) {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'reference-idp', 'service.version': '0.1.0', 'deployment.environment': 'bench', 'host.name': 'idp-1' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  })
  const logger = provider.getLogger('reference-idp', '0.1.0')
  events.forEach((e, i) => {
    const ms = Math.floor(e.tsMs)
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: hex(i * 7919 + 1, 16) + hex(i * 104729 + 3, 16), spanId: hex(i * 31337 + 5, 16), traceFlags: TraceFlags.SAMPLED })
    logger.emit({
      eventName: String(e.attrs['event.name']),
      timestamp: [Math.floor(ms / 1000), (ms % 1000) * 1_000_000],
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: String(e.attrs['event.name']),
      attributes: e.attrs,
      context: ctx,
    })
  })
  await provider.forceFlush()
  return exporter.getFinishedLogRecords()
}

function placeholderOffsets(body: Buffer): number[] {
  const out: number[] = []
  for (let at = body.indexOf(PLACEHOLDER); at >= 0; at = body.indexOf(PLACEHOLDER, at + PLACEHOLDER.length)) out.push(at)
  return out
}

/** Templates for each batch size, cut from different parts of the pool. */
export async function templates(encoding: Encoding, pool: GeneratedEvent[], sizes: readonly number[] = BATCH_SIZES): Promise<Template[]> {
  const out: Template[] = []
  for (const size of sizes) {
    for (let k = 0; k < TEMPLATES_PER_SIZE; k++) {
      const start = Math.floor(((pool.length - size) * k) / Math.max(1, TEMPLATES_PER_SIZE - 1))
      const events = pool.slice(start, start + size)
      const recs = await records(events)
      const body = Buffer.from(encoding === 'json' ? JsonLogsSerializer.serializeRequest(recs)! : ProtobufLogsSerializer.serializeRequest(recs)!)
      const offsets = placeholderOffsets(body)
      if (offsets.length < events.length) throw new Error(`template of ${events.length} events has ${offsets.length} id placeholders`)
      out.push({ body, events: events.length, verifications: events.filter((e) => e.attrs['event.name'] === 'mfa.challenge.verified').length, offsets })
    }
  }
  return out
}

/** A distinct body from a template: a copy with every placeholder set to `seq`. */
export function stamped(t: Template, seq: number): Buffer {
  const body = Buffer.from(t.body)
  const s = stamp(seq)
  for (const at of t.offsets) body.write(s, at, 'latin1')
  return body
}

/** Records the collector refused in OTLP's partial_success (0 when the answer has none). */
export function rejectedRecords(encoding: Encoding, body: Buffer): number {
  if (body.length === 0) return 0
  if (encoding === 'json') {
    const j = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedLogRecords?: number | string } }
    return Number(j.partialSuccess?.rejectedLogRecords ?? 0)
  }
  const r = new BinaryReader(body)
  while (r.pos < r.len) {
    const [field, wire] = r.tag()
    if (field !== 1) { r.skip(wire); continue }
    const inner = new BinaryReader(r.bytes())
    while (inner.pos < inner.len) {
      const [f, w] = inner.tag()
      if (f === 1) return Number(inner.int64())
      inner.skip(w)
    }
  }
  return 0
}

export interface ExportResult { status: number; ms: number; rejected: number; retryAfterS?: number; error?: string }

export class OtlpSender {
  private readonly agent: Agent
  constructor(private readonly url: URL, private readonly encoding: Encoding, sockets: number) {
    // The OTel JS HTTP exporter keeps connections alive; so do we.
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets })
  }

  send(body: Buffer): Promise<ExportResult> {
    const t0 = performance.now()
    return new Promise((resolve) => {
      const req = request(this.url, {
        method: 'POST', agent: this.agent,
        headers: { 'content-type': CONTENT_TYPE[this.encoding], 'content-length': body.length },
      }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const ms = performance.now() - t0
          const status = res.statusCode ?? 0
          const text = Buffer.concat(chunks)
          const retry = Number(res.headers['retry-after'])
          if (status !== 200) return resolve({ status, ms, rejected: 0, retryAfterS: Number.isFinite(retry) ? retry : undefined, error: text.toString('utf8').slice(0, 300) })
          let rejected = 0
          try { rejected = rejectedRecords(this.encoding, text) } catch { /* an unreadable success body: counted as none */ }
          resolve({ status, ms, rejected })
        })
      })
      req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, rejected: 0, error: e.message }))
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

export interface PacedLoad {
  /** Stop scheduling; resolves when every export sent has been answered. */
  stop: () => Promise<void>
  /** Acknowledgement latencies (ms, from each export's scheduled time) and counts so far. */
  latencies: number[]
  stats: { sent: number; acked: number; events: number; failed: number; retries: number; rejected: number; lastError?: string }
}

/**
 * Open-loop load at a steady `eventsPerS`: exports leave on a fixed schedule whether or not
 * earlier ones were answered (a slow collector cannot slow the load down and hide its own
 * latency). Latency counts from the scheduled departure, so time spent queued in this client
 * counts against the collector too (no coordinated omission). A 429/503 is retried after its
 * Retry-After; the latency then includes the retry, as the producer experiences it.
 */
export function pacedLoad(o: { url: URL; encoding: Encoding; templates: Template[]; eventsPerS: number; firstSeq: number }): PacedLoad {
  const sender = new OtlpSender(o.url, o.encoding, 256)
  const latencies: number[] = []
  const stats: PacedLoad['stats'] = { sent: 0, acked: 0, events: 0, failed: 0, retries: 0, rejected: 0 }
  const inflight = new Set<Promise<void>>()
  const t0 = performance.now()
  let due = t0
  let seq = o.firstSeq
  let k = 0
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const fire = (t: Template, scheduled: number) => {
    const body = stamped(t, ++seq)
    stats.sent++
    const p = (async () => {
      for (let attempt = 0; ; attempt++) {
        const r = await sender.send(body)
        if (r.status === 200) {
          latencies.push(performance.now() - scheduled)
          stats.acked++
          stats.events += t.events
          stats.rejected += r.rejected
          return
        }
        if ((r.status === 429 || r.status === 503) && attempt < 5) {
          stats.retries++
          await new Promise((res) => setTimeout(res, Math.min(5, r.retryAfterS ?? 1) * 1000))
          continue
        }
        // A failed export never got its acknowledgement: it counts as the slowest possible.
        latencies.push(Number.POSITIVE_INFINITY)
        stats.failed++
        stats.lastError = `${r.status}: ${r.error ?? ''}`.slice(0, 300)
        return
      }
    })()
    inflight.add(p)
    void p.finally(() => inflight.delete(p))
  }
  const tick = () => {
    if (stopped) return
    // Catch up on every export due by now (timers fire late on a busy machine), then sleep to the next.
    for (let now = performance.now(); due <= now; now = performance.now()) {
      const t = o.templates[k++ % o.templates.length]
      fire(t, due)
      due += (t.events / o.eventsPerS) * 1000
    }
    timer = setTimeout(tick, Math.max(0, due - performance.now()))
  }
  tick()
  return {
    latencies,
    stats,
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      while (inflight.size > 0) await Promise.all([...inflight])
      sender.close()
    },
  }
}

/** One OTLP export request of `events`, serialized as the SDK's exporter would. */
export async function encode(encoding: Encoding, events: GeneratedEvent[]): Promise<Buffer> {
  const recs = await records(events)
  return Buffer.from(encoding === 'json' ? JsonLogsSerializer.serializeRequest(recs)! : ProtobufLogsSerializer.serializeRequest(recs)!)
}
