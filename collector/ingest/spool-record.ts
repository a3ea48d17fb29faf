/**
 * What the write path stores and inserts: one table's rows of one request, already encoded in
 * an insert format. The row builders fill it (today JSONCompactEachRow through
 * `encodeJsonRows`; a faster encoder only has to produce the same shape); the spool frames it
 * on disk, and the batcher concatenates the bodies of many records with the same table,
 * columns, format and settings into one INSERT.
 */
export interface EncodedRows {
  table: string
  /** Column names in body order (unquoted). */
  columns: readonly string[]
  /** A ClickHouse input format whose bodies concatenate into one valid body (no header rows). */
  format: string
  /** Number of rows in `body`. */
  rows: number
  body: Buffer
  /**
   * The UTC days (days since 1970-01-01) the rows fall on, ascending and distinct: the tables'
   * partitions (toDate of the time column). The batcher keeps an INSERT under ClickHouse's
   * max_partitions_per_insert_block with it; at most MAX_RECORD_DAYS per record.
   */
  days: readonly number[]
  /** Per-INSERT settings these rows need (e.g. insert_allow_materialized_columns = 1). */
  settings?: Readonly<Record<string, number>>
}

/** Records by table, in arrival order, without empty ones. */
export function recordsByTable(records: readonly EncodedRows[]): Map<string, EncodedRows[]> {
  const byTable = new Map<string, EncodedRows[]>()
  for (const r of records) {
    if (r.rows === 0) continue
    const list = byTable.get(r.table)
    if (list) list.push(r)
    else byTable.set(r.table, [r])
  }
  return byTable
}

/** Days one record may span: a request spanning more is split into several records. */
export const MAX_RECORD_DAYS = 40
const DAY_MS = 86_400_000

/** UTC day number of epoch milliseconds. */
export const dayOfMs = (ms: number): number => Math.floor(ms / DAY_MS)

/**
 * Encode positional rows as JSONCompactEachRow records, split so that no record spans more
 * than `maxDays` partition days (rows keep their order inside each record). `dayOf` gives a
 * row's UTC day.
 */
export function encodeJsonRows(
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
  dayOf: (row: unknown[]) => number,
  settings?: Record<string, number>,
  maxDays = MAX_RECORD_DAYS,
): EncodedRows[] {
  if (rows.length === 0) return []
  const dayRows = new Map<number, number[]>()
  const days = new Int32Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const d = dayOf(rows[i])
    days[i] = d
    let list = dayRows.get(d)
    if (!list) dayRows.set(d, (list = []))
    list.push(i)
  }
  const sorted = [...dayRows.keys()].sort((a, b) => a - b)
  const make = (idx: Iterable<number>, ds: number[], n: number): EncodedRows => {
    let text = ''
    for (const i of idx) text += `${JSON.stringify(rows[i])}\n`
    return { table, columns, format: 'JSONCompactEachRow', rows: n, body: Buffer.from(text, 'utf8'), days: ds, ...(settings ? { settings } : {}) }
  }
  if (sorted.length <= maxDays) return [make(rows.keys(), sorted, rows.length)]
  const out: EncodedRows[] = []
  for (let k = 0; k < sorted.length; k += maxDays) {
    const chunk = sorted.slice(k, k + maxDays)
    const set = new Set(chunk)
    const idx: number[] = []
    for (let i = 0; i < rows.length; i++) if (set.has(days[i])) idx.push(i)
    out.push(make(idx, chunk, idx.length))
  }
  return out
}

/*
 * A record's bytes in the spool: u32 header length, the header as JSON, then the body as is.
 */
interface Header { t: string; c: readonly string[]; f: string; n: number; d: readonly number[]; s?: Readonly<Record<string, number>> }

export function recordPayload(r: EncodedRows): Buffer {
  const h: Header = { t: r.table, c: r.columns, f: r.format, n: r.rows, d: r.days, ...(r.settings ? { s: r.settings } : {}) }
  const head = Buffer.from(JSON.stringify(h), 'utf8')
  const out = Buffer.allocUnsafe(4 + head.length + r.body.length)
  out.writeUInt32LE(head.length, 0)
  head.copy(out, 4)
  r.body.copy(out, 4 + head.length)
  return out
}

export function parseRecordPayload(p: Buffer): EncodedRows {
  const len = p.readUInt32LE(0)
  const h = JSON.parse(p.subarray(4, 4 + len).toString('utf8')) as Header
  return { table: h.t, columns: h.c, format: h.f, rows: h.n, days: h.d, body: p.subarray(4 + len), ...(h.s ? { settings: h.s } : {}) }
}
