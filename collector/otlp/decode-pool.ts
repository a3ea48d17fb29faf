import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { HttpError, type RefusalReason } from './body'
import { DecodeError, TooDeepError } from './model'
import { type ExportTask, type PreparedExport, prepareExport } from './prepare'

/*
 * Decode workers: the receiver's CPU-heavy half of a request — decoding OTLP, the sanitize
 * pass, the contract check and building every row's insert text (prepare.ts) — runs on worker
 * threads, so the main thread only reads bodies, decides duplicates against its memory of
 * stored keys, hands rows to the spool and answers. An export's decoding then no longer holds
 * up other exports' acknowledgements, and on more than one core ingest and decoding overlap.
 *
 * Each worker takes one task at a time; a task goes to the worker with the fewest waiting. A
 * worker that dies fails its tasks (503: nothing was acknowledged, the exporter retries) and is
 * replaced. If workers cannot start at all, decoding falls back to the main thread, said once
 * in the log.
 *
 * What this changes, and what it costs:
 * - Exports are decided against the dedup memory in the order their decoding ends, no longer
 *   in the order their bodies arrived. With more than one worker, of two exports in flight at
 *   once carrying one event id with different content, the one decoded first is stored and the
 *   other becomes the conflict. Exports in flight together have no order a producer could rely
 *   on either way; with one worker the order is the arrival order still.
 * - An export that kills its worker (out of memory, a native crash) fails with every export
 *   queued on that worker; its retry may kill the next one. Deaths after a worker was ready do
 *   not switch decoding to the main thread.
 * - Memory outside OTLP_MAX_IN_FLIGHT_BYTES: the body's copy on the worker while it decodes,
 *   and the rows' buffer (at least 64 KiB), held until the rows are in the spool.
 */

/** Decode workers by default: one core left to the main thread and chDB, at most 4. */
export function defaultDecodeWorkers(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1))
}

/** An error a worker threw, as plain data. */
export type SerializedError =
  | { kind: 'http'; status: number; message: string; headers: Record<string, string>; reason?: RefusalReason }
  | { kind: 'decode'; tooDeep: boolean; message: string }
  | { kind: 'other'; message: string }

export type TaskReply = { id: number; ok: true; prepared: PreparedExport } | { id: number; ok: false; error: SerializedError }

export function serializeError(err: unknown): SerializedError {
  if (err instanceof HttpError) return { kind: 'http', status: err.status, message: err.message, headers: err.headers, reason: err.reason }
  if (err instanceof DecodeError) return { kind: 'decode', tooDeep: err instanceof TooDeepError, message: err.message }
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) }
}

export function revive(e: SerializedError): Error {
  if (e.kind === 'http') return new HttpError(e.status, e.message, e.headers, e.reason)
  if (e.kind === 'decode') return e.tooDeep ? new TooDeepError(e.message) : new DecodeError(e.message)
  return new Error(e.message)
}

/** A worker stopped while it held the task: nothing of the request was stored, it may be retried. */
export class DecoderFailed extends Error {}

/** Structured clone hands typed arrays back as Uint8Array: the write path wants Buffers. */
function asBuffers(p: PreparedExport): PreparedExport {
  if (p.signal === 'metrics') {
    for (const r of p.metrics.records) {
      const b = r.body as Uint8Array
      if (!Buffer.isBuffer(b)) r.body = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    }
  }
  return p
}

interface Pending { resolve: (p: PreparedExport) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; ready: boolean; pending: Map<number, Pending> }

/** Consecutive workers that die before they are ready, after which decoding stays on the main thread. */
const MAX_START_FAILURES = 3

export class DecodePool {
  private readonly slots: Slot[] = []
  private nextId = 1
  private closing = false
  private startFailures = 0
  /** Set once workers could not start: decode inline. */
  private inline = false

  /** `entry`: the worker's script (tests give one that cannot start). */
  constructor(readonly size: number, private readonly log: (line: string) => void = () => {}, private readonly entry = new URL('./decode-worker.mjs', import.meta.url)) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`DecodePool size must be a positive integer, got ${size}`)
    for (let i = 0; i < size; i++) this.slots.push(this.spawn())
  }

  /** Workers started and ready (0 when decoding fell back to the main thread). */
  get running(): number {
    return this.inline ? 0 : this.slots.filter((s) => s.ready).length
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry)
    const slot: Slot = { worker, ready: false, pending: new Map() }
    // Workers never keep the process alive; the receiver's server does while it listens.
    worker.unref()
    worker.on('message', (m: TaskReply | { ready: true }) => {
      if ('ready' in m) {
        slot.ready = true
        this.startFailures = 0
        return
      }
      const p = slot.pending.get(m.id)
      if (!p) return
      slot.pending.delete(m.id)
      if (m.ok) p.resolve(asBuffers(m.prepared))
      else p.reject(revive(m.error))
    })
    let error: Error | undefined
    worker.on('error', (err) => { error = err })
    // A reply that cannot be deserialized names no task: stop the worker, which fails all it held.
    worker.on('messageerror', (err) => {
      error = new Error(`a reply could not be read: ${err.message}`)
      void worker.terminate()
    })
    worker.on('exit', (code) => {
      const i = this.slots.indexOf(slot)
      const failed = new DecoderFailed(`decode worker stopped (${error ? error.message.slice(0, 200) : `exit code ${code}`})`)
      for (const p of slot.pending.values()) p.reject(failed)
      slot.pending.clear()
      if (this.closing || i < 0) return
      if (this.inline || (!slot.ready && ++this.startFailures >= MAX_START_FAILURES)) {
        this.slots.splice(i, 1)
        if (!this.inline) this.log(`otlp: decode workers could not start (${failed.message}); decoding on the main thread`)
        this.inline = true
        return
      }
      this.log(`otlp: ${failed.message}; starting another`)
      this.slots[i] = this.spawn()
    })
    return slot
  }

  /** Decode one export on the least busy worker (inline when workers cannot run). */
  run(task: ExportTask): Promise<PreparedExport> {
    if (this.closing) return Promise.reject(new DecoderFailed('decode workers are stopping'))
    if (this.inline || this.slots.length === 0) {
      try {
        return Promise.resolve(prepareExport(task))
      } catch (err) {
        return Promise.reject(err as Error)
      }
    }
    let slot = this.slots[0]
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s
    const id = this.nextId++
    return new Promise<PreparedExport>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      // The body is copied, not transferred: a body of one chunk is the HTTP parser's buffer.
      slot.worker.postMessage({ id, task })
    })
  }

  async close(): Promise<void> {
    this.closing = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }
}
