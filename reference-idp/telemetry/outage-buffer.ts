import { ExportResultCode, type ExportResult } from '@opentelemetry/core'

/**
 * Producers keep their events while the collector is away. The SDK's batch processors hand
 * each batch to this exporter, which accepts it at once into a bounded in-memory buffer and
 * sends from there, one request at a time, retrying with exponential backoff until the
 * collector answers. Memory is bounded (the oldest records go first when the buffer is full);
 * every record dropped is counted by reason, and nothing here ever throws into the process.
 */

export type Signal = 'logs' | 'traces'
export type DropReason = 'buffer_full' | 'refused' | 'shutdown'

export interface BufferPolicy {
  /** Records kept per signal while the collector cannot be reached. */
  capacity: number
  /** Records per request. */
  maxBatch: number
  initialBackoffMs: number
  maxBackoffMs: number
  /** How long shutdown (and an explicit flush) waits for the buffer to drain. */
  shutdownMs: number
}

export const DEFAULT_BUFFER_POLICY: BufferPolicy = { capacity: 20_000, maxBatch: 512, initialBackoffMs: 1000, maxBackoffMs: 30_000, shutdownMs: 5000 }

/** What the buffer tells the process: counts for metrics, and a few lines at state changes (never one per record). */
export interface BufferReport {
  dropped(signal: Signal, n: number, reason: DropReason): void
  failed(signal: Signal): void
  buffered(signal: Signal, n: number): void
  log(line: string): void
}

/** The part of an SDK exporter (LogRecordExporter, SpanExporter) this wraps. */
export interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void
  shutdown(): Promise<void>
}

/** The wait before retry number `attempt` (1-based): doubling from the initial wait, capped, ±20 % by `random` ∈ [0, 1). */
export function backoffMs(attempt: number, policy: Pick<BufferPolicy, 'initialBackoffMs' | 'maxBackoffMs'>, random: number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(base * (0.8 + 0.4 * random))
}

/**
 * Whether a failed export is worth sending again: the collector unreachable, timing out, busy
 * (408, 429, 5xx) — yes; the collector refusing the data (any other 4xx), or the data not
 * serializable — no: retrying those would hold the buffer forever.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return true
  const code = (error as { code?: unknown }).code
  if (typeof code === 'number') return !(code >= 400 && code < 500) || code === 408 || code === 429
  return error.message !== 'Nothing to send'
}

const describe = (error: unknown) => {
  if (!(error instanceof Error)) return 'unknown error'
  const code = (error as { code?: unknown }).code
  return code !== undefined ? `${String(code)} ${error.message}`.slice(0, 120) : error.message.slice(0, 120)
}

export class OutageBuffer<T> implements Exporter<T> {
  private queue: T[] = []
  private inFlight = 0
  private attempt = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private down = false
  private fullSaid = false
  private waiters: (() => void)[] = []

  constructor(
    private readonly inner: Exporter<T>,
    private readonly signal: Signal,
    private readonly policy: BufferPolicy,
    private readonly report: BufferReport,
    private readonly random: () => number = Math.random,
  ) {}

  /** Accept a batch into the buffer (always successfully: the SDK's processor never waits on the network). */
  export(items: T[], done: (result: ExportResult) => void): void {
    if (this.closed) {
      this.report.dropped(this.signal, items.length, 'shutdown')
      return done({ code: ExportResultCode.SUCCESS })
    }
    this.queue.push(...items)
    this.trim()
    done({ code: ExportResultCode.SUCCESS })
    this.pump()
  }

  /** Records not yet accepted by the collector (buffered and in flight). */
  get pending(): number {
    return this.queue.length + this.inFlight
  }

  /** Send now (skipping a backoff wait) and resolve once everything went out or `withinMs` passed; never rejects. */
  async forceFlush(withinMs = this.policy.shutdownMs): Promise<void> {
    if (this.pending === 0) return
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    this.pump()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      new Promise<void>((r) => this.waiters.push(r)),
      new Promise<void>((r) => (timer = setTimeout(r, withinMs).unref())),
    ])
    clearTimeout(timer)
  }

  /** Drain for at most the shutdown bound, then count what is left as dropped; never rejects. */
  async shutdown(): Promise<void> {
    if (this.closed) return
    await this.forceFlush()
    this.abandon()
    await Promise.race([this.inner.shutdown().catch(() => {}), new Promise((r) => setTimeout(r, 100).unref())])
  }

  /** Stop retrying and count the records still held as dropped (shutdown ran out of time). */
  abandon(): void {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const left = this.pending
    this.queue = []
    this.report.buffered(this.signal, 0)
    for (const w of this.waiters.splice(0)) w()
    if (left > 0) {
      this.report.dropped(this.signal, left, 'shutdown')
      this.report.log(`telemetry: shutting down with ${left} ${this.signal} records the collector never received (counted in idp_telemetry_dropped_total)`)
    }
  }

  private trim(): void {
    const over = this.queue.length + this.inFlight - this.policy.capacity
    if (over > 0) {
      const n = Math.min(over, this.queue.length)
      this.queue.splice(0, n)
      this.report.dropped(this.signal, n, 'buffer_full')
      if (!this.fullSaid) {
        this.fullSaid = true
        this.report.log(`telemetry: ${this.signal} buffer full (${this.policy.capacity} records): dropping the oldest until the collector is back`)
      }
    }
    this.report.buffered(this.signal, this.pending)
  }

  private pump(): void {
    if (this.closed || this.inFlight > 0 || this.timer || this.queue.length === 0) return
    const batch = this.queue.splice(0, this.policy.maxBatch)
    this.inFlight = batch.length
    let settled = false
    const done = (result: ExportResult) => {
      if (settled) return
      settled = true
      this.inFlight = 0
      this.settle(batch, result)
    }
    try {
      this.inner.export(batch, done)
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) })
    }
  }

  private settle(batch: T[], result: ExportResult): void {
    if (this.closed) {
      if (result.code !== ExportResultCode.SUCCESS) this.report.dropped(this.signal, batch.length, 'shutdown')
      return
    }
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.down) this.report.log(`telemetry: collector reachable again; sending the ${this.pending + batch.length} ${this.signal} records buffered meanwhile`)
      this.down = false
      this.fullSaid = false
      this.attempt = 0
    } else if (!isRetryable(result.error)) {
      this.report.dropped(this.signal, batch.length, 'refused')
      this.report.log(`telemetry: the collector refused ${batch.length} ${this.signal} records (${describe(result.error)}); not retried`)
    } else {
      this.report.failed(this.signal)
      this.queue.unshift(...batch)
      this.attempt++
      const wait = backoffMs(this.attempt, this.policy, this.random())
      if (!this.down) {
        this.down = true
        this.report.log(`telemetry: cannot export ${this.signal} (${describe(result.error)}); keeping up to ${this.policy.capacity} records and retrying with backoff`)
      }
      this.trim()
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.pump()
      }, wait)
      this.timer.unref()
      return
    }
    this.report.buffered(this.signal, this.pending)
    if (this.pending === 0) for (const w of this.waiters.splice(0)) w()
    this.pump()
  }
}
