import type { ClickHouseClient } from '@clickhouse/client'

/*
 * What the receiver remembers of recent records, to drop redelivered ones: contract events by
 * `event.id`, spans by (TraceId, SpanId), other log records by a hash of their content. Each
 * key carries a 32-bit fingerprint of the content it was first stored with, so an event id
 * that comes back with different content is told apart from a plain resend (a conflict).
 *
 * Window: the last `capacity` keys (default 200,000, one memory for all three kinds) that
 * were stored, oldest forgotten first; at start `loadRecentKeys` fills it from the tables with
 * what was stored (insertion time, whatever the records' own times) in the last `windowS`
 * seconds (default 1 h), newest first up to capacity. So the window is the smaller of 1 h and
 * the last 200,000 records: ~20 s at 10,000 records/s, the whole hour below ~55 records/s —
 * either way longer than an exporter waits before resending an unanswered request. Beyond it a
 * resent contract event is still merged away by mfa_events' ReplacingMergeTree (same event, ts
 * and id) and counted once by the rollups' uniq states, but cost sums in the rollups, otel_logs
 * and otel_traces would keep a second copy. Not covered: rows acknowledged into the spool but
 * not yet inserted when the process stopped (they are replayed from the spool after the load).
 */

/** What a lookup tells the row builder. */
export interface Seen {
  /** Fingerprint of the content first stored under the key (0: unknown, e.g. written by another path). */
  fp: number
  /** Set while the first copy is still on its way (another request): acknowledge only after it. */
  wait?: Promise<void>
}

/** The lookups a row builder makes; `RecentIds` is the real one. */
export interface SeenKeys {
  get(key: string): Seen | undefined
}

export const NOTHING_SEEN: SeenKeys = { get: () => undefined }

/** Largest memory (2,097,152 keys: ~250 MB of keys and map at ~100 bytes a key). */
export const MAX_CAPACITY = 2 ** 21

/** A key whose first copy is still being written. */
interface Pending { fp: number; wait: Promise<void> }

/**
 * Bounded, insertion-ordered memory of stored keys plus the keys of writes in flight. A key
 * is remembered as stored only once its write resolved (acknowledged), so a failed write's
 * retry is never dropped; while in flight, a second copy waits for the first copy's write and
 * fails with it.
 *
 * Stored keys sit in a ring of `capacity` slots, oldest overwritten first. Not a Map used as a
 * FIFO: deleting its oldest entry and asking `keys().next()` again walks over every deleted
 * entry V8 has not yet compacted away, which at 200,000 keys cost 25–95 µs per key, more than
 * the rest of the receiver's work on an event.
 *
 * One map holds both kinds: a stored key's ring slot (a small integer, which V8 keeps unboxed;
 * the slot's fingerprint is in `fps`), a key in flight its Pending. A map this size misses the CPU's caches on every operation, and with
 * two maps (stored, in flight) a key cost eight operations from lookup to stored, a third of the
 * main thread's time under load; with one it costs four. Invariants: a ring slot holds a key
 * exactly when the map has that key as a number with that slot; a key in flight is in no slot.
 */
export class RecentIds implements SeenKeys {
  private readonly keys = new Map<string, number | Pending>()
  private readonly ring: (string | undefined)[]
  /** The fingerprint of the key in each ring slot. */
  private readonly fps: Uint32Array
  private next = 0
  private stored = 0

  constructor(readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) throw new Error(`RecentIds capacity must be an integer from 1 to ${MAX_CAPACITY}, got ${capacity}`)
    this.ring = new Array<string | undefined>(capacity).fill(undefined)
    this.fps = new Uint32Array(capacity)
  }

  /** Keys remembered as stored (not those in flight). */
  get size(): number {
    return this.stored
  }

  get(key: string): Seen | undefined {
    const v = this.keys.get(key)
    return typeof v === 'number' ? { fp: this.fps[v] } : v
  }

  /** Remember keys as stored (the newest last), e.g. loaded at start; a key marked again becomes the newest. */
  mark(keys: Iterable<readonly [string, number]>): void {
    for (const [key, fp] of keys) this.store(key, fp, this.keys.get(key))
  }

  /** Store `key` as the newest; `was` is what the map held for it. */
  private store(key: string, fp: number, was: number | Pending | undefined): void {
    if (typeof was === 'number') this.ring[was] = undefined
    else this.stored++
    const slot = this.next
    this.next = slot + 1 === this.capacity ? 0 : slot + 1
    const evicted = this.ring[slot]
    if (evicted !== undefined) {
      this.keys.delete(evicted)
      this.stored--
    }
    this.ring[slot] = key
    this.fps[slot] = fp
    this.keys.set(key, slot)
  }

  /**
   * Keys on their way to storage (none of them known: the row builder's fresh keys): later
   * copies wait on `write`; once it resolves they are stored, if it rejects they are forgotten
   * (the exporter retries, and the retry is new). A key that another write stored or took over
   * meanwhile is stored all the same on success, and left to that write on failure.
   */
  track(keys: ReadonlyArray<readonly [string, number]>, write: Promise<void>): void {
    if (keys.length === 0) return
    for (const [key, fp] of keys) this.keys.set(key, { fp, wait: write })
    const settle = (ok: boolean) => {
      for (const [key, fp] of keys) {
        const v = this.keys.get(key)
        if (ok) this.store(key, fp, v)
        else if (typeof v === 'object' && v.wait === write) this.keys.delete(key)
      }
    }
    write.then(() => settle(true), () => settle(false))
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units: the content fingerprint. */
export function fingerprint(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // 0 means "unknown" in the tables; never produce it.
  return h >>> 0 || 1
}

/**
 * `fingerprint` of the text in bytes[start, end), read as Latin-1: for ASCII text (one byte a
 * code unit) the same number as `fingerprint` of the string, from a loop over bytes rather than
 * code units.
 */
export function fingerprintBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) {
    h ^= bytes[i]
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0 || 1
}

/**
 * 64-bit content key of a log record (two independent 32-bit hashes, as one UInt64 in decimal):
 * what `otel_logs.FactorWatchHash` holds and the dedup key of records outside the contract.
 */
export function contentKey(s: string): string {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return ((BigInt(a >>> 0) << 32n) | BigInt(b >>> 0)).toString()
}

/** Key of a span: (TraceId, SpanId). */
export const spanKey = (traceId: string, spanId: string): string => `s:${traceId}:${spanId}`
/** Key of a contract event. */
export const eventKey = (eventId: string): string => `e:${eventId}`
/** Key of another log record, from contentKey. */
export const logKey = (hash: string): string => `l:${hash}`

export interface LoadOptions {
  /** How far back to look, in seconds of insertion time (migration 0072). Default 3600. */
  windowS?: number
  /** Give up (and go on without) after this long. Default 10,000 ms. */
  timeoutMs?: number
  log?: (line: string) => void
}

/**
 * Fill `recent` from what is stored, so a batch resent after a restart is still recognised:
 * event ids with their fingerprints from mfa_events, (TraceId, SpanId) from otel_traces,
 * content hashes from otel_logs. Newest first, up to the memory's capacity per table.
 */
export async function loadRecentKeys(client: Pick<ClickHouseClient, 'query'>, recent: RecentIds, opts: LoadOptions = {}): Promise<number> {
  const windowS = Math.floor(opts.windowS ?? 3600)
  const limit = recent.capacity
  // Bounded: a slow read (a huge recent backlog) must not hold ingest; it goes on without.
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000)
  const read = async (query: string): Promise<[string, number][]> => {
    const rs = await client.query({ query, format: 'TabSeparated', abort_signal: signal })
    const out: [string, number][] = []
    for (const line of (await rs.text()).split('\n')) {
      if (line === '') continue
      const tab = line.lastIndexOf('\t')
      out.push([line.slice(0, tab), Number(line.slice(tab + 1))])
    }
    return out
  }
  // Oldest first into the memory, so the newest are the last to be forgotten.
  const [events, spans, logs] = await Promise.all([
    read(`SELECT concat('e:', event_id), content_hash FROM (SELECT event_id, content_hash, inserted_at AS at FROM mfa_events WHERE at > now64(3) - INTERVAL ${windowS} SECOND ORDER BY at DESC LIMIT ${limit}) ORDER BY at`),
    read(`SELECT concat('s:', TraceId, ':', SpanId), 0 FROM (SELECT TraceId, SpanId, FactorWatchInsertedAt AS at FROM otel_traces WHERE at > now() - INTERVAL ${windowS} SECOND ORDER BY at DESC LIMIT ${limit}) ORDER BY at`),
    read(`SELECT concat('l:', toString(FactorWatchHash)), 0 FROM (SELECT FactorWatchHash, FactorWatchInsertedAt AS at FROM otel_logs WHERE FactorWatchHash != 0 AND at > now() - INTERVAL ${windowS} SECOND ORDER BY at DESC LIMIT ${limit}) ORDER BY at`),
  ])

  // Tab-separated output escapes nothing in these keys (hex ids, digits); event ids with a tab or
  // backslash come back escaped and simply miss.
  recent.mark([...spans, ...logs, ...events])
  opts.log?.(`dedup: remembered ${events.length} event ids, ${spans.length} spans, ${logs.length} log hashes from the last ${windowS} s`)
  return events.length + spans.length + logs.length
}
