import { type FileHandle, mkdir, open, readdir, readFile, rm, stat, truncate, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { type EncodedRows, parseRecordPayload, recordPayload, recordsByTable } from './spool-record'

/*
 * The write-ahead spool of the OTLP receiver (<dataDir>/spool/<table>/<segment>.seg).
 *
 * A request's encoded rows are appended as framed records — u32 payload length, u32 CRC-32 of
 * the payload, the payload — and fdatasync'd before the request is acknowledged. Appends that
 * arrive while a write + fdatasync runs wait and go together in the next one (group commit), so
 * many requests share one fsync. A segment is sealed (closed for appends) when it holds a
 * batch: `batchRows` rows, `batchBytes` bytes, `maxDays` partition days, or — when the inserter
 * asks for work — once its first record is `batchMs` old. A sealed segment is one batch: it is
 * inserted as such (one INSERT per column set) with an insert_deduplication_token named after
 * the segment, so replaying it after a crash is deduplicated by ClickHouse; then deleted.
 *
 * On open, every segment found is a batch waiting to be inserted, in name order, before any new
 * one: a torn last record (a crash mid-append: never acknowledged) is cut off; a CRC mismatch
 * ends the segment at the last good record and is reported.
 */

/** Frame a payload: u32 length, u32 CRC-32, payload. */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length)
  out.writeUInt32LE(payload.length, 0)
  out.writeUInt32LE(crc32(payload), 4)
  payload.copy(out, 8)
  return out
}

export interface Scan {
  payloads: Buffer[]
  /** Bytes of whole, valid frames from the start. */
  validBytes: number
  /** What follows them: nothing, an incomplete frame (torn write), or a frame whose CRC or length is wrong. */
  tail: 'clean' | 'torn' | 'corrupt'
}

/** Read frames from the start of a segment until the end or the first bad frame. Pure. */
export function scanFrames(buf: Buffer): Scan {
  const payloads: Buffer[] = []
  let off = 0
  while (off < buf.length) {
    if (buf.length - off < 8) return { payloads, validBytes: off, tail: 'torn' }
    const len = buf.readUInt32LE(off)
    const crc = buf.readUInt32LE(off + 4)
    // A zero length is never written; a zero-filled tail (crc32 of nothing is 0) must not pass.
    if (len === 0) return { payloads, validBytes: off, tail: 'corrupt' }
    if (buf.length - off - 8 < len) return { payloads, validBytes: off, tail: 'torn' }
    const payload = buf.subarray(off + 8, off + 8 + len)
    if (crc32(payload) !== crc) return { payloads, validBytes: off, tail: 'corrupt' }
    payloads.push(payload)
    off += 8 + len
  }
  return { payloads, validBytes: off, tail: 'clean' }
}

export interface SpoolOptions {
  dir: string
  /** Seal a segment at this many rows. */
  batchRows: number
  /** … or this many bytes. */
  batchBytes: number
  /** … or, when the inserter waits for work, once its first record is this old. */
  batchMs: number
  /** Distinct partition days in one segment (keep under max_partitions_per_insert_block). */
  maxDays: number
  /** fdatasync before an append resolves. Off only where a power loss may lose acknowledged data. */
  fsync: boolean
  now: () => number
  /** Called after each group commit: seconds spent writing + syncing, records it covered. */
  onCommit?: (seconds: number, records: number) => void
  log?: (line: string) => void
}

export interface Segment {
  table: string
  /** File name without extension; unique across restarts (boot time + random + sequence). */
  name: string
  path: string
  bytes: number
  rows: number
  records: number
  /** When its first record was appended (ms). */
  firstAt: number
}

interface Current extends Segment { fh: FileHandle; days: Set<number> }
interface Pending { frame: Buffer; rows: number; days: readonly number[]; resolve: () => void; reject: (e: unknown) => void }

const TABLE_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
const SEGMENT_RE = /^[0-9a-z-]+\.seg$/

class TableLog {
  current: Current | undefined
  readonly sealed: Segment[] = []
  /** Taken by the inserter, not yet released. */
  readonly taken = new Set<Segment>()
  private pending: Pending[] = []
  private chain: Promise<void> = Promise.resolve()
  private flushQueued = false
  private wake: (() => void) | undefined
  private seq = 0

  private dirMade: Promise<unknown> | undefined

  constructor(readonly table: string, readonly dir: string, private readonly spool: Spool) {}

  /** The table's directory exists (made once). */
  ready(): Promise<unknown> {
    this.dirMade ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.dirMade = undefined
      throw err
    })
    return this.dirMade
  }

  /** Run `fn` after everything queued before it (appends and seals never interleave). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn)
    this.chain = run.then(() => undefined, () => undefined)
    return run
  }

  append(records: EncodedRows[]): Promise<void> {
    const done: Promise<void>[] = []
    for (const r of records) {
      done.push(new Promise<void>((resolve, reject) => this.pending.push({ frame: frame(recordPayload(r)), rows: r.rows, days: r.days, resolve, reject })))
    }
    if (!this.flushQueued) {
      this.flushQueued = true
      void this.serial(() => this.flush())
    }
    return Promise.all(done).then(() => undefined)
  }

  /** Group commit: everything appended since the last flush, one write + one fdatasync per segment touched. */
  private async flush(): Promise<void> {
    this.flushQueued = false
    const batch = this.pending
    this.pending = []
    if (batch.length === 0) return
    const t0 = performance.now()
    const o = this.spool.opts
    let i = 0
    try {
      while (i < batch.length) {
        let cur = this.current ?? (await this.create())
        // Take the records that fit in this segment's day budget; seal and go on in a fresh one.
        const run: Pending[] = []
        while (i < batch.length) {
          const p = batch[i]
          let extra = 0
          for (const d of p.days) if (!cur.days.has(d)) extra++
          if (cur.records + run.length > 0 && cur.days.size + extra > o.maxDays) break
          for (const d of p.days) cur.days.add(d)
          run.push(p)
          i++
        }
        if (run.length === 0) {
          await this.sealCurrent()
          cur = await this.create()
          continue
        }
        const bytes = run.reduce((n, p) => n + p.frame.length, 0)
        try {
          await cur.fh.writev(run.map((p) => p.frame))
          if (o.fsync) await cur.fh.datasync()
        } catch (err) {
          // Leave the segment as it was before this write (a partial frame would hide every later
          // record from a replay) and start a fresh segment for what comes next.
          await cur.fh.truncate(cur.bytes).catch(() => {})
          await this.sealCurrent()
          throw err
        }
        if (cur.records === 0) cur.firstAt = o.now()
        cur.bytes += bytes
        cur.records += run.length
        cur.rows += run.reduce((n, p) => n + p.rows, 0)
        for (const p of run) p.resolve()
        if (cur.rows >= o.batchRows || cur.bytes >= o.batchBytes) await this.sealCurrent()
      }
      o.onCommit?.((performance.now() - t0) / 1000, batch.length)
    } catch (err) {
      for (const p of batch.slice(i)) p.reject(err)
      this.spool.noteWriteError(err)
      return
    }
    this.spool.noteWriteOk()
  }

  private async create(): Promise<Current> {
    const name = `${this.spool.bootId}-${String(++this.seq).padStart(8, '0')}`
    const path = join(this.dir, `${name}.seg`)
    const fh = await open(path, 'wx')
    if (this.spool.opts.fsync) await syncDir(this.dir)
    this.current = { table: this.table, name, path, bytes: 0, rows: 0, records: 0, firstAt: this.spool.opts.now(), fh, days: new Set() }
    return this.current
  }

  private async sealCurrent(): Promise<void> {
    const cur = this.current
    if (!cur) return
    this.current = undefined
    if (cur.records === 0) {
      await cur.fh.close()
      await unlink(cur.path).catch(() => {})
      return
    }
    // Listed as sealed before the first await: the backlog never misses it (it is complete on disk).
    const { fh, days: _days, ...seg } = cur
    this.sealed.push(seg)
    this.wake?.()
    await fh.close()
  }

  /** Seal the open segment now (shutdown, or the inserter found it due). */
  seal(): Promise<void> {
    return this.serial(() => this.sealCurrent())
  }

  /** Segments found on disk at open: first in line. */
  adopt(seg: Segment): void {
    this.sealed.push(seg)
  }

  /**
   * The next batch for the inserter: the oldest sealed segment, or the open one once its first
   * record is `batchMs` old. Waits for one; undefined once `signal` aborts.
   */
  async next(signal: AbortSignal): Promise<Segment | undefined> {
    const o = this.spool.opts
    for (;;) {
      if (signal.aborted) return undefined
      const head = this.sealed.find((s) => !this.taken.has(s))
      if (head) {
        this.taken.add(head)
        return head
      }
      const cur = this.current
      let waitMs = 60_000
      if (cur && cur.records > 0) {
        const age = o.now() - cur.firstAt
        if (age >= o.batchMs) {
          await this.seal()
          continue
        }
        waitMs = o.batchMs - age
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs)
        function done() {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          resolve()
        }
        this.wake = done
        signal.addEventListener('abort', done)
      })
      this.wake = undefined
    }
  }

  /** Wake a waiting inserter (an append happened: the open segment has a deadline now). */
  poke(): void {
    this.wake?.()
  }

  async release(seg: Segment): Promise<void> {
    await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
    this.taken.delete(seg)
    const i = this.sealed.indexOf(seg)
    if (i >= 0) this.sealed.splice(i, 1)
  }

  async close(): Promise<void> {
    await this.seal()
  }
}

/** fsync a directory, so a file created or renamed in it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export interface Backlog {
  bytes: number
  rows: number
  segments: number
  /** When the oldest record not yet inserted was appended (ms), or undefined when empty. */
  oldestAt: number | undefined
}

/** The spool of all tables; see the comment at the top of this file. */
export class Spool {
  readonly bootId: string
  private readonly tables = new Map<string, TableLog>()
  private lastWriteError: { at: number; message: string } | undefined

  private constructor(readonly opts: SpoolOptions) {
    this.bootId = `${String(opts.now()).padStart(13, '0')}-${randomBytes(3).toString('hex')}`
  }

  /** Open (create) the spool directory and adopt every segment left by an earlier process. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    const spool = new Spool(opts)
    await mkdir(opts.dir, { recursive: true })
    for (const table of (await readdir(opts.dir)).sort()) {
      if (!TABLE_RE.test(table)) continue
      const dir = join(opts.dir, table)
      if (!(await stat(dir)).isDirectory()) continue
      const log = spool.table(table)
      for (const file of (await readdir(dir)).filter((f) => SEGMENT_RE.test(f)).sort()) {
        const path = join(dir, file)
        const scan = scanFrames(await readFile(path))
        if (scan.tail !== 'clean') {
          opts.log?.(`spool: ${table}/${file}: ${scan.tail === 'torn' ? 'torn last record (a crash mid-append; never acknowledged) cut off' : 'CRC or length mismatch: records from there on dropped'} after ${scan.payloads.length} records`)
          await truncate(path, scan.validBytes)
        }
        if (scan.payloads.length === 0) {
          await rm(path, { force: true })
          continue
        }
        const rows = scan.payloads.reduce((n, p) => n + parseRecordPayload(p).rows, 0)
        log.adopt({ table, name: file.slice(0, -4), path, bytes: scan.validBytes, rows, records: scan.payloads.length, firstAt: (await stat(path)).mtimeMs })
      }
    }
    return spool
  }

  private table(name: string): TableLog {
    let log = this.tables.get(name)
    if (!log) {
      if (!TABLE_RE.test(name)) throw new Error(`spool: bad table name ${JSON.stringify(name)}`)
      log = new TableLog(name, join(this.opts.dir, name), this)
      this.tables.set(name, log)
    }
    return log
  }

  /** Sealed segments not yet released, oldest first per table (at open: what an earlier process left). */
  sealedSegments(): Segment[] {
    return [...this.tables.values()].flatMap((l) => l.sealed)
  }

  /** Tables with a log (segments found at open, or appended to since). */
  tableNames(): string[] {
    return [...this.tables.keys()]
  }

  /** Append records (any tables); resolves once they are on disk (fdatasync'd when `fsync`). */
  async append(records: EncodedRows[]): Promise<void> {
    const byTable = recordsByTable(records)
    const logs = [...byTable.keys()].map((t) => this.table(t))
    await Promise.all(logs.map((l) => l.ready()))
    await Promise.all(logs.map((l) => l.append(byTable.get(l.table)!)))
    for (const l of logs) l.poke()
  }

  next(table: string, signal: AbortSignal): Promise<Segment | undefined> {
    return this.table(table).next(signal)
  }

  /** The records of a segment, for inserting. */
  async read(seg: Segment): Promise<EncodedRows[]> {
    const scan = scanFrames(await readFile(seg.path))
    return scan.payloads.map(parseRecordPayload)
  }

  /** The segment is stored: delete it. */
  release(seg: Segment): Promise<void> {
    return this.table(seg.table).release(seg)
  }

  backlog(): Backlog {
    const b: Backlog = { bytes: 0, rows: 0, segments: 0, oldestAt: undefined }
    for (const log of this.tables.values()) {
      const segs: Segment[] = log.current && log.current.records > 0 ? [...log.sealed, log.current] : log.sealed
      for (const s of segs) {
        b.bytes += s.bytes
        b.rows += s.rows
        b.segments++
        if (b.oldestAt === undefined || s.firstAt < b.oldestAt) b.oldestAt = s.firstAt
      }
    }
    return b
  }

  noteWriteError(err: unknown): void {
    this.lastWriteError = { at: this.opts.now(), message: (err as Error).message }
    this.opts.log?.(`spool: append failed: ${(err as Error).message}`)
  }

  noteWriteOk(): void {
    this.lastWriteError = undefined
  }

  /** The last append error, until an append succeeds again. */
  writeError(): { at: number; message: string } | undefined {
    return this.lastWriteError
  }

  /** Seal every open segment: what was appended is complete on disk for the next start. */
  async close(): Promise<void> {
    await Promise.all([...this.tables.values()].map((l) => l.close()))
  }
}
