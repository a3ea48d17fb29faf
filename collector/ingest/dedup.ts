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

/** Largest memory: a key's fingerprint (32 bits) and ring slot share one safe integer. */
export const MAX_CAPACITY = 2 ** 21
const SLOTS = 2 ** 21

/**
 * Bounded, insertion-ordered memory of stored keys plus the keys of writes in flight. A key
 * is remembered as stored only once its write resolved (acknowledged), so a failed write's
 * retry is never dropped; while in flight, a second copy waits for the first copy's write and
 * fails with it.
 *
 * Stored keys sit in a ring of `capacity` slots, oldest overwritten first, with a map from key
 * to fingerprint × 2^21 + slot. Not a Map used as a FIFO: deleting its oldest entry and asking
 * `keys().next()` again walks over every deleted entry V8 has not yet compacted away, which at
 * 200,000 keys cost 25–95 µs per key, more than the rest of the receiver's work on an event.
 */
export class RecentIds implements SeenKeys {
  private readonly stored = new Map<string, number>()
  private readonly ring: (string | undefined)[]
  private next = 0
  private readonly pending = new Map<string, { fp: number; wait: Promise<void> }>()

  constructor(readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) throw new Error(`RecentIds capacity must be an integer from 1 to ${MAX_CAPACITY}, got ${capacity}`)
    this.ring = new Array<string | undefined>(capacity).fill(undefined)
  }

  get size(): number {
    return this.stored.size
  }

  get(key: string): Seen | undefined {
    const v = this.stored.get(key)
    if (v !== undefined) return { fp: Math.floor(v / SLOTS) }
    return this.pending.get(key)
  }

  /** Remember keys as stored (the newest last), e.g. loaded at start; a key marked again becomes the newest. */
  mark(keys: Iterable<readonly [string, number]>): void {
    for (const [key, fp] of keys) {
      const old = this.stored.get(key)
      if (old !== undefined) this.ring[old % SLOTS] = undefined
      const slot = this.next
      this.next = slot + 1 === this.capacity ? 0 : slot + 1
      const evicted = this.ring[slot]
      if (evicted !== undefined) this.stored.delete(evicted)
      this.ring[slot] = key
      this.stored.set(key, (fp >>> 0) * SLOTS + slot)
    }
  }

  /**
   * Keys on their way to storage: later copies wait on `write`; once it resolves they are
   * stored, if it rejects they are forgotten (the exporter retries, and the retry is new).
   */
  track(keys: ReadonlyArray<readonly [string, number]>, write: Promise<void>): void {
    if (keys.length === 0) return
    const entry = (fp: number) => ({ fp, wait: write })
    for (const [key, fp] of keys) this.pending.set(key, entry(fp))
    const settle = (ok: boolean) => {
      for (const [key] of keys) {
        const p = this.pending.get(key)
        if (p?.wait === write) this.pending.delete(key)
      }
      if (ok) this.mark(keys)
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
