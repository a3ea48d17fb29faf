import { open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ClickHouseClient } from '@clickhouse/client'
import { systemClock } from '../../contract/clock'
import type { EncodedRows } from './spool-record'
import type { Segment, Spool } from './spool'
import { classifyInsertError, type ErrorKind, InsertFileError } from './insert-errors'

/*
 * The write path behind the OTLP receiver: rows of all requests into large INSERTs, per table.
 *
 * - SpoolWriter (the collector process): a request is acknowledged once its rows are in the
 *   fsync'd spool (spool.ts); one loop per table inserts sealed segments in order, each with
 *   an insert_deduplication_token named after the segment, so a replay after a crash is
 *   dropped by ClickHouse (the tables keep a non_replicated_deduplication_window, migration
 *   0060, and the token reaches the rollups fed by materialized views). Transient failures
 *   retry with backoff while requests keep being spooled, up to the spool's limits (then 503).
 * - DirectWriter (direct-writer.ts; tests, tools): no spool; a request resolves once an INSERT
 *   holding its rows completed, and concurrent requests share INSERTs.
 *
 * Either way an INSERT never spans more partition days than allowed, and an INSERT that fails
 * for a data reason is bisected by record: the records that fail alone are refused and counted,
 * the rest stored — a bad request never poisons a batch it shares.
 */

/** Where the ingest layer hands encoded rows. */
export interface RowWriter {
  /** Resolves when the rows may be acknowledged (stored, or durable in the spool). */
  write(records: EncodedRows[]): Promise<void>
  health(): Health
  /** Resolves once rows acknowledged by an earlier process (a spool replay) are stored. */
  replayed?(): Promise<void>
  /** Stop: flush what can be flushed within the deadline, leave the rest consistent on disk. */
  close(deadlineMs?: number): Promise<void>
}

export interface Health {
  status: 'ok' | 'degraded' | 'failing'
  reason: string
}

/** The write path refused or could not take a request; `status` is the HTTP answer. */
export class WriteRefused extends Error {
  constructor(readonly status: 400 | 429 | 503, message: string, readonly retryAfterS?: number) {
    super(message)
    this.name = 'WriteRefused'
  }
}

export interface WriteObserver {
  /** One INSERT completed. */
  insert?(table: string, rows: number, seconds: number): void
  /** One INSERT failed; `kind` as classified. */
  failure?(table: string, kind: ErrorKind): void
  /** Rows ClickHouse refused for a data reason, dropped after isolating them. */
  refused?(table: string, rows: number, reason: string): void
}

export interface InsertOptions {
  /**
   * Abort an INSERT after this long (a hanging server must not hold the path); 0: never. Not
   * for chDB: its queries cannot be cancelled (an abort only stops waiting while the insert goes
   * on), so a retry would overlap the insert it retries.
   */
  timeoutMs: number
  observer?: WriteObserver
  /**
   * Table an INSERT goes to instead of the records' own, by table (INSERT_TARGETS of
   * write-path.ts): rows keep their table in the spool, metrics and logs.
   */
  targets?: Readonly<Record<string, string>>
  /**
   * chDB only: hand the rows over as a file in this directory (`INSERT … FROM INFILE`) rather
   * than in the statement's text, which chdb's connection decodes to a JS string and the native
   * side copies again; ClickHouse then reads the file itself (~20 % cheaper an insert, measured).
   */
  fileDir?: string
}

let fileSeq = 0

const quote = (c: string) => `\`${c.replace(/`/g, '\\`')}\``
const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** Records that can share one INSERT: same table, columns, format and settings. */
export function groupKey(r: EncodedRows): string {
  return `${r.table}\u0000${r.format}\u0000${r.columns.join(',')}\u0000${JSON.stringify(r.settings ?? {})}`
}

/** Group records by INSERT shape, keeping first-appearance order (deterministic: replays form the same groups). */
export function groupRecords(records: EncodedRows[]): EncodedRows[][] {
  const groups = new Map<string, EncodedRows[]>()
  for (const r of records) {
    const k = groupKey(r)
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(r)
  }
  return [...groups.values()]
}

/**
 * One INSERT of records of one group. Settings go in the statement's SETTINGS clause, never
 * as session settings (chDB's connection turns `clickhouse_settings` into `SET`, which would
 * outlive the statement).
 */
export async function insertOnce(
  client: Pick<ClickHouseClient, 'exec'>,
  group: EncodedRows[],
  opts: InsertOptions & { token?: string; extra?: Record<string, number> },
): Promise<void> {
  const first = group[0]
  const settings: string[] = []
  if (opts.token !== undefined) settings.push(`insert_deduplication_token = ${sqlString(opts.token)}`, 'deduplicate_blocks_in_dependent_materialized_views = 1')
  for (const [k, v] of Object.entries({ ...first.settings, ...opts.extra })) settings.push(`${k} = ${Number(v)}`)
  const into = `INSERT INTO ${opts.targets?.[first.table] ?? first.table} (${first.columns.map(quote).join(', ')})`
  const settingsClause = settings.length ? ` SETTINGS ${settings.join(', ')}` : ''
  const rows = group.reduce((n, r) => n + r.rows, 0)
  const t0 = performance.now()
  if (opts.fileDir !== undefined) {
    const path = join(opts.fileDir, `${process.pid}-${++fileSeq}.${first.format.toLowerCase()}`)
    try {
      await writeRows(path, group)
      await drain(await client.exec({ query: `${into} FROM INFILE ${sqlString(path)}${settingsClause} FORMAT ${first.format}` }))
    } finally {
      await unlink(path).catch(() => {})
    }
  } else {
    const body = group.length === 1 ? first.body : Buffer.concat(group.map((r) => r.body))
    await drain(await client.exec({ query: `${into}${settingsClause} FORMAT ${first.format}`, values: Readable.from([body]), ...(opts.timeoutMs > 0 ? { abort_signal: AbortSignal.timeout(opts.timeoutMs) } : {}) }))
  }
  opts.observer?.insert?.(first.table, rows, (performance.now() - t0) / 1000)
}

/** The answer of an INSERT is empty; drain it so the socket goes back to the pool. */
function drain(res: { stream: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean } }): Promise<void> {
  res.stream.resume()
  return new Promise<void>((resolve) => {
    if (res.stream.readableEnded || res.stream.destroyed) return resolve()
    res.stream.once('end', resolve).once('close', resolve).once('error', () => resolve())
  })
}

/** The group's bodies, one after the other, into a new file (no fsync: the spool holds the rows durably). */
async function writeRows(path: string, group: EncodedRows[]): Promise<void> {
  try {
    const fh = await open(path, 'w')
    try {
      // writev may write less than asked (a disk filling up): go on from where it stopped, so a
      // short file never reaches ClickHouse as if it were the whole batch.
      const rest = group.map((r) => r.body)
      while (rest.length > 0) {
        let { bytesWritten } = await fh.writev(rest)
        if (bytesWritten === 0) throw new Error('no progress writing (disk full?)')
        while (rest.length > 0 && bytesWritten >= rest[0].length) bytesWritten -= rest.shift()!.length
        if (bytesWritten > 0) rest[0] = rest[0].subarray(bytesWritten)
      }
    } finally {
      await fh.close()
    }
  } catch (err) {
    throw new InsertFileError(`could not write the rows of an INSERT to ${path}: ${(err as Error).message}`)
  }
}

export interface IsolateResult {
  /** Records refused for a data reason (indexes into the group). */
  refused: { index: number; reason: string }[]
}

/**
 * Insert a group; on a data failure bisect it into halves (each with its own deterministic
 * token, derived from `token`) down to single records, which are refused. A transient (or, until
 * `attempt` reaches `unknownAsDataAfter`, an unknown) failure is thrown for the caller to
 * retry the whole group: parts already stored are dropped by their tokens on the retry.
 */
export async function insertIsolating(
  client: Pick<ClickHouseClient, 'exec'>,
  group: EncodedRows[],
  opts: InsertOptions & { token?: string; attempt: number; unknownAsDataAfter?: number },
): Promise<IsolateResult> {
  const refused: IsolateResult['refused'] = []
  const unknownAsData = opts.attempt >= (opts.unknownAsDataAfter ?? 3)
  const table = group[0].table
  async function range(lo: number, hi: number, token: string | undefined): Promise<void> {
    const part = group.slice(lo, hi)
    try {
      await insertOnce(client, part, { ...opts, token })
      return
    } catch (err) {
      let kind = classifyInsertError(err)
      opts.observer?.failure?.(table, kind)
      if (kind === 'unknown') kind = unknownAsData ? 'data' : 'transient'
      if (kind === 'transient') throw err
      const reason = (err as Error).message.split('\n')[0].slice(0, 300)
      if (hi - lo > 1) {
        const mid = lo + Math.ceil((hi - lo) / 2)
        await range(lo, mid, token === undefined ? undefined : `${token}/${lo}-${mid}`)
        await range(mid, hi, token === undefined ? undefined : `${token}/${mid}-${hi}`)
        return
      }
      if (kind === 'partitions') {
        // One record spanning more days than ClickHouse takes in one block (the encoder splits
        // records, so only a foreign encoder gets here): let ClickHouse split it.
        try {
          await insertOnce(client, part, { ...opts, token: token === undefined ? undefined : `${token}/p`, extra: { max_partitions_per_insert_block: 0 } })
          return
        } catch (again) {
          if (classifyInsertError(again) === 'transient') throw again
        }
      }
      refused.push({ index: lo, reason })
      opts.observer?.refused?.(table, part[0].rows, kind === 'partitions' ? 'partitions' : 'data')
    }
  }
  await range(0, group.length, opts.token)
  return { refused }
}

/** Waits go through the one Clock seam's real timers (resolves early when `signal` aborts). */
export const sleep = systemClock.sleep

/** Backoff before retry `attempt` (1-based): 0.5 s doubling to 30 s. Pure. */
export const backoffMs = (attempt: number): number => Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1))

export interface SpoolWriterOptions extends InsertOptions {
  spool: Spool
  client: Pick<ClickHouseClient, 'exec'>
  /** Refuse new requests (503) while the backlog not yet inserted is larger than this. */
  maxSpoolBytes: number
  /** … or its oldest record is older than this (0: no age limit). */
  maxSpoolAgeMs: number
  now: () => number
  log?: (line: string) => void
  /**
   * `targets` of the process that wrote a segment found at open: a replayed segment must reach
   * the table it reached the first time, where its deduplication token is known (a token passed
   * on through a view is a derived one). Default: `targets`.
   */
  leftoverTargets?: (seg: Segment) => Readonly<Record<string, string>>
}

/** Acknowledge from the spool, insert in the background; see the top of this file. */
export class SpoolWriter implements RowWriter {
  private readonly loops = new Map<string, Promise<void>>()
  private readonly stop = new AbortController()
  private readonly failing = new Map<string, { since: number; attempts: number; message: string }>()
  private refusedRows = 0
  private closed = false

  /** Segments an earlier process left, until inserted. */
  private readonly leftover: Set<Segment>
  private replayDone!: () => void
  private readonly replay = new Promise<void>((resolve) => (this.replayDone = resolve))

  constructor(private readonly o: SpoolWriterOptions) {
    this.leftover = new Set(o.spool.sealedSegments())
    if (this.leftover.size === 0) this.replayDone()
    for (const t of o.spool.tableNames()) this.ensureLoop(t)
  }

  /**
   * Resolves once what an earlier process left in the spool is in ClickHouse: from then on the
   * tables hold every acknowledged row (e.g. to fill a deduplication memory from them).
   */
  replayed(): Promise<void> {
    return this.replay
  }

  /** Why a new request would be refused now, or undefined. Pure function of the backlog and `now`. */
  refusal(): WriteRefused | undefined {
    const b = this.o.spool.backlog()
    const retryAfter = Math.min(60, Math.max(1, Math.ceil(Math.max(0, ...[...this.failing.values()].map((f) => backoffMs(f.attempts + 1))) / 1000)))
    if (this.closed) return new WriteRefused(503, 'collector shutting down, retry later', 5)
    const wErr = this.o.spool.writeError()
    if (wErr && this.o.now() - wErr.at < 5_000) return new WriteRefused(503, `spool write failed (${wErr.message.slice(0, 100)}), retry later`, 5)
    if (b.bytes > this.o.maxSpoolBytes) return new WriteRefused(503, `storage behind: ${mib(b.bytes)} MiB waiting for ClickHouse (limit ${mib(this.o.maxSpoolBytes)} MiB), retry later`, retryAfter)
    if (this.o.maxSpoolAgeMs > 0 && b.oldestAt !== undefined && this.o.now() - b.oldestAt > this.o.maxSpoolAgeMs) {
      return new WriteRefused(503, `storage behind: oldest spooled rows ${Math.round((this.o.now() - b.oldestAt) / 1000)} s old (limit ${Math.round(this.o.maxSpoolAgeMs / 1000)} s), retry later`, retryAfter)
    }
    return undefined
  }

  async write(records: EncodedRows[]): Promise<void> {
    const no = this.refusal()
    if (no) throw no
    try {
      await this.o.spool.append(records)
    } catch (err) {
      throw new WriteRefused(503, `spool write failed (${(err as Error).message.slice(0, 100)}), retry later`, 5)
    }
    for (const r of records) this.ensureLoop(r.table)
  }

  health(): Health {
    const b = this.o.spool.backlog()
    const no = this.refusal()
    if (no) return { status: 'failing', reason: no.message.replace(/, retry later$/, '') }
    const problems: string[] = []
    for (const [table, f] of this.failing) problems.push(`inserts into ${table} failing for ${Math.round((this.o.now() - f.since) / 1000)} s (${f.attempts} attempts): ${f.message.slice(0, 120)}`)
    if (b.bytes > this.o.maxSpoolBytes / 2) problems.push(`spool backlog ${mib(b.bytes)} MiB, over half its limit`)
    if (this.o.maxSpoolAgeMs > 0 && b.oldestAt !== undefined && this.o.now() - b.oldestAt > this.o.maxSpoolAgeMs / 2) problems.push(`oldest spooled rows ${Math.round((this.o.now() - b.oldestAt) / 1000)} s old`)
    if (problems.length > 0) return { status: 'degraded', reason: problems.join('; ') }
    return { status: 'ok', reason: `spool backlog ${b.rows} rows in ${b.segments} segments` }
  }

  backlog() {
    return this.o.spool.backlog()
  }

  /** Rows refused by ClickHouse for a data reason since start. */
  get refused(): number {
    return this.refusedRows
  }

  private ensureLoop(table: string): void {
    if (this.loops.has(table) || this.closed) return
    this.loops.set(table, this.loop(table))
  }

  private async loop(table: string): Promise<void> {
    const { spool } = this.o
    const signal = this.stop.signal
    for (;;) {
      const seg = await spool.next(table, signal)
      if (!seg) return
      let attempt = 0
      for (;;) {
        try {
          await this.insertSegment(seg, attempt)
          this.failing.delete(table)
          break
        } catch (err) {
          attempt++
          const message = (err as Error).message.split('\n')[0]
          const f = this.failing.get(table)
          this.failing.set(table, { since: f?.since ?? this.o.now(), attempts: attempt, message })
          if (attempt === 1 || attempt % 10 === 0) this.o.log?.(`spool: insert of ${table} segment ${seg.name} failed (attempt ${attempt}, retrying): ${message.slice(0, 300)}`)
          if (signal.aborted) return
          await sleep(backoffMs(attempt), signal)
          if (signal.aborted) return
        }
      }
      await spool.release(seg)
      if (this.leftover.delete(seg) && this.leftover.size === 0) this.replayDone()
    }
  }

  private async insertSegment(seg: Segment, attempt: number): Promise<void> {
    const records = await this.o.spool.read(seg)
    const groups = groupRecords(records)
    for (let g = 0; g < groups.length; g++) {
      const targets = this.leftover.has(seg) && this.o.leftoverTargets !== undefined ? this.o.leftoverTargets(seg) : this.o.targets
      const { refused } = await insertIsolating(this.o.client, groups[g], { ...this.o, targets, token: `${seg.table}/${seg.name}/${g}`, attempt })
      for (const r of refused) {
        this.refusedRows += groups[g][r.index].rows
        this.o.log?.(`spool: ${groups[g][r.index].rows} rows of ${seg.table} refused by ClickHouse and dropped: ${r.reason}`)
      }
    }
  }

  /**
   * Stop taking requests, seal the open segments and let the loops insert what is spooled until
   * `deadlineMs`; what is left stays on disk, complete, for the next start.
   */
  async close(deadlineMs = 5_000): Promise<void> {
    this.closed = true
    await this.o.spool.close()
    const deadline = Date.now() + deadlineMs
    while (this.o.spool.backlog().segments > 0 && this.failing.size === 0 && Date.now() < deadline) await sleep(50)
    this.stop.abort()
    // An INSERT in progress ends by itself (bounded by the insert timeout).
    await Promise.race([Promise.all(this.loops.values()), sleep(Math.max(0, deadline - Date.now()) + this.o.timeoutMs)])
  }
}

const mib = (b: number) => (b / 1048576).toFixed(1)
