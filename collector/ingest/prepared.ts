import { fingerprint, fingerprintBytes, type Seen, type SeenKeys } from './dedup'
import { type EncodedRows, MAX_RECORD_DAYS } from './spool-record'

/*
 * A request's rows in two halves, so the expensive half can run on a decode worker
 * (collector/otlp/decode-pool.ts) and the half that needs the receiver's memory of stored keys
 * stays on the main thread:
 *
 * - `RowsBuilder` (anywhere, pure): every candidate row's TabSeparated line, written straight
 *   into one UTF-8 buffer, with its table, partition day, dedup key and content fingerprint.
 *   What it produces is plain data (typed arrays, strings, one buffer): it crosses to the main
 *   thread by structured clone, the buffer by transfer (no copy).
 * - `resolveRows` (main thread): looks every key up in the dedup memory, in order, and turns the
 *   kept rows into the write path's EncodedRows. A run of kept rows of one table and day is
 *   one slice of the buffer, so the usual request (all rows new, one day) becomes one record
 *   without copying a byte.
 */

/** A table the candidate rows go to. */
export interface PreparedTable {
  table: string
  columns: readonly string[]
  settings?: Readonly<Record<string, number>>
  /** A key of this table seen with another fingerprint is a conflict (resolveRows' `conflictRow`), not a duplicate. */
  conflicts?: boolean
}

/** Candidate rows of one request, plain data. */
export interface PreparedRows {
  tables: PreparedTable[]
  count: number
  /** Per candidate: index into `tables`. */
  table: Uint8Array
  /** Per candidate: UTC day of the row (its partition). */
  day: Int32Array
  /** Per candidate: content fingerprint (0: none, e.g. spans). */
  fp: Uint32Array
  /** Per candidate: dedup key (dedup.ts eventKey / logKey / spanKey). */
  keys: string[]
  /** Candidate i's line, with its line feed, is text[offsets[i], offsets[i + 1]). */
  offsets: Uint32Array
  text: Uint8Array
  /** Records acknowledged (stored or duplicates) and refused by the builder (contract violations). */
  accepted: number
  rejected: number
  /** The first problems, each naming the record and the attribute at fault. */
  errors: string[]
}

/** Builds PreparedRows: candidate lines encoded once into a growing buffer. */
export class RowsBuilder {
  private readonly tables: PreparedTable[]
  private n = 0
  private table = new Uint8Array(64)
  private day = new Int32Array(64)
  private fp = new Uint32Array(64)
  private offsets = new Uint32Array(65)
  private readonly keys: string[] = []
  private text: Buffer
  private pos = 0
  accepted = 0
  rejected = 0
  readonly errors: string[] = []

  constructor(tables: PreparedTable[], bytesHint = 64 * 1024) {
    if (tables.length > 255) throw new Error('RowsBuilder: at most 255 tables')
    this.tables = tables
    // Not from Buffer's shared pool: the buffer is transferred to another thread whole.
    this.text = Buffer.allocUnsafeSlow(Math.max(1024, bytesHint))
  }

  /** Candidate row `line` (fields joined by tabs, no line feed) of tables[t]. */
  add(t: number, day: number, key: string, fp: number, line: string): void {
    this.reserve(line.length)
    const i = this.begin(t, day, key)
    this.fp[i] = fp
    this.pos += this.text.write(line, this.pos, 'utf8')
    this.end()
  }

  /**
   * Candidate row `line` followed by a last field, its content fingerprint (dedup.ts
   * `fingerprint` of `line`), which is also the row's fingerprint. Returns it. For ASCII text
   * the fingerprint is taken from the bytes just written, rather than from a second pass over
   * the string and a copy of it with the field appended.
   */
  addFingerprinted(t: number, day: number, key: string, line: string): number {
    this.reserve(line.length + 11)
    const i = this.begin(t, day, key)
    const start = this.pos
    const n = this.text.write(line, start, 'utf8')
    const fp = n === line.length ? fingerprintBytes(this.text, start, start + n) : fingerprint(line)
    this.fp[i] = fp
    this.pos = start + n
    this.text[this.pos++] = 0x09
    this.pos += this.text.write(String(fp), this.pos, 'latin1')
    this.end()
    return fp
  }

  /** Room for `units` UTF-16 code units (at most 3 bytes of UTF-8 each) and a line feed. */
  private reserve(units: number): void {
    const need = this.pos + units * 3 + 1
    if (need <= this.text.length) return
    const next = Buffer.allocUnsafeSlow(Math.max(need, this.text.length * 2))
    this.text.copy(next, 0, 0, this.pos)
    this.text = next
  }

  private begin(t: number, day: number, key: string): number {
    const i = this.n
    if (i + 1 >= this.table.length) this.grow()
    this.table[i] = t
    this.day[i] = day
    this.keys.push(key)
    this.offsets[i] = this.pos
    return i
  }

  private end(): void {
    this.text[this.pos++] = 0x0a
    this.n++
    this.offsets[this.n] = this.pos
  }

  private grow(): void {
    const size = this.table.length * 2
    const table = new Uint8Array(size)
    table.set(this.table)
    const day = new Int32Array(size)
    day.set(this.day)
    const fp = new Uint32Array(size)
    fp.set(this.fp)
    const offsets = new Uint32Array(size + 1)
    offsets.set(this.offsets)
    Object.assign(this, { table, day, fp, offsets })
  }

  finish(): PreparedRows {
    const n = this.n
    return {
      tables: this.tables,
      count: n,
      table: this.table.slice(0, n),
      day: this.day.slice(0, n),
      fp: this.fp.slice(0, n),
      keys: this.keys,
      offsets: this.offsets.slice(0, n + 1),
      // The whole buffer, not a view of it: a view's ArrayBuffer still transfers whole.
      text: new Uint8Array(this.text.buffer, this.text.byteOffset, this.pos),
      accepted: this.accepted,
      rejected: this.rejected,
      errors: this.errors,
    }
  }
}

/** A table's kept rows, for the write path (and for tests: `rows`, `records()`). */
export interface TableRecords {
  readonly rows: number
  records(): EncodedRows[]
}

export interface ResolvedRows {
  /** Kept rows by table name (every table of the PreparedRows, plus ingest_conflicts when there are conflicts). */
  byTable: Map<string, TableRecords>
  /** Every table's records, for the write path. */
  records: EncodedRows[]
  /** Keys first stored by this request, with fingerprints: remember them once the write is acknowledged. */
  fresh: [string, number][]
  /** Writes of other requests that hold keys this request dropped as their copies: acknowledge after them. */
  waits: Promise<void>[]
  accepted: number
  rejected: number
  duplicates: number
  /** Contract events dropped because their event id was stored with other content. */
  conflicts: number
  errors: string[]
}

/** ingest_conflicts columns in body order (migration 0071). */
export const CONFLICT_COLUMNS = ['ts', 'event', 'event_id', 'service', 'tenant', 'first_hash', 'conflict_hash', 'attributes'] as const
const CONFLICTS_TABLE: PreparedTable = { table: 'ingest_conflicts', columns: CONFLICT_COLUMNS }

/** Kept rows of one table: byte ranges of the prepared text, by day. */
class RangeRows implements TableRecords {
  private readonly byDay = new Map<number, { ranges: number[]; rows: number }>()
  private lastDay = NaN
  private last: { ranges: number[]; rows: number } | undefined
  rows = 0

  constructor(private readonly t: PreparedTable, private readonly text: Buffer) {}

  add(day: number, start: number, end: number): void {
    let slot = day === this.lastDay ? this.last : this.byDay.get(day)
    if (slot === undefined) this.byDay.set(day, (slot = { ranges: [], rows: 0 }))
    const r = slot.ranges
    // Adjacent rows extend the last range: a request of new rows is one range per day.
    if (r.length > 0 && r[r.length - 1] === start) r[r.length - 1] = end
    else r.push(start, end)
    slot.rows++
    this.lastDay = day
    this.last = slot
    this.rows++
  }

  records(maxDays = MAX_RECORD_DAYS): EncodedRows[] {
    if (this.rows === 0) return []
    const days = [...this.byDay.keys()].sort((a, b) => a - b)
    const out: EncodedRows[] = []
    for (let k = 0; k < days.length; k += maxDays) {
      const span = days.slice(k, k + maxDays)
      const parts: Buffer[] = []
      let rows = 0
      for (const d of span) {
        const slot = this.byDay.get(d) as { ranges: number[]; rows: number }
        for (let r = 0; r < slot.ranges.length; r += 2) parts.push(this.text.subarray(slot.ranges[r], slot.ranges[r + 1]))
        rows += slot.rows
      }
      const body = parts.length === 1 ? parts[0] : Buffer.concat(parts)
      out.push({ table: this.t.table, columns: this.t.columns, format: 'TabSeparated', rows, body, days: span, ...(this.t.settings ? { settings: this.t.settings } : {}) })
    }
    return out
  }
}

/**
 * Decide every candidate against `seen` (the dedup memory) in order: a key not seen, in the
 * memory or earlier in this request, is kept and fresh; a key seen with the same fingerprint
 * (or an unknown one, 0) is a duplicate, waiting on the first copy's write while it is in
 * flight; a contract event's id seen with another fingerprint is a conflict, written to
 * ingest_conflicts instead: `conflictRow` makes its row from the row's line (without its line
 * feed) and the two fingerprints, only when a conflict happens (rendering a conflict row for
 * every contract event, just in case, was a fifth of the builder's time).
 */
export function resolveRows(p: PreparedRows, seen: SeenKeys, conflictRow?: (line: string, first: number, fp: number) => string): ResolvedRows {
  const text = Buffer.from(p.text.buffer, p.text.byteOffset, p.text.byteLength)
  const tables = p.tables.map((t) => new RangeRows(t, text))
  const conflictRows = new RowsBuilder([CONFLICTS_TABLE], 1024)
  const out: ResolvedRows = { byTable: new Map(), records: [], fresh: [], waits: [], accepted: p.accepted, rejected: p.rejected, duplicates: 0, conflicts: 0, errors: p.errors }
  /** Keys of this request so far → fingerprint. */
  const batch = new Map<string, number>()
  for (let i = 0; i < p.count; i++) {
    const key = p.keys[i]
    const fp = p.fp[i]
    const own = batch.get(key)
    const first: Seen | undefined = own === undefined ? seen.get(key) : { fp: own }
    if (first === undefined) {
      batch.set(key, fp)
      out.fresh.push([key, fp])
      tables[p.table[i]].add(p.day[i], p.offsets[i], p.offsets[i + 1])
      continue
    }
    if (own === undefined && first.wait !== undefined) out.waits.push(first.wait)
    if (first.fp === fp || first.fp === 0 || !conflictRow || !p.tables[p.table[i]].conflicts) {
      out.duplicates++
    } else {
      out.conflicts++
      conflictRows.add(0, p.day[i], key, fp, conflictRow(text.toString('utf8', p.offsets[i], p.offsets[i + 1] - 1), first.fp, fp))
    }
  }
  p.tables.forEach((t, k) => out.byTable.set(t.table, tables[k]))
  if (out.conflicts > 0) {
    const c = conflictRows.finish()
    const rows = new RangeRows(CONFLICTS_TABLE, Buffer.from(c.text.buffer, c.text.byteOffset, c.text.byteLength))
    for (let i = 0; i < c.count; i++) rows.add(c.day[i], c.offsets[i], c.offsets[i + 1])
    tables.push(rows)
    out.byTable.set(CONFLICTS_TABLE.table, rows)
  }
  for (const rows of tables) out.records.push(...rows.records())
  return out
}
