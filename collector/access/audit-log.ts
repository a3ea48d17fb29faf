import { randomUUID } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import { Counter, type Registry } from 'prom-client'
import type { AuditPage, AuditRecord } from '../../contract/access'
import { GroupWriter } from '../ingest/group-writer'
import { runSql } from '../query/run'
import { chTime } from '../storage/rows'
import { AUDIT_COLUMNS, type AuditFilter, auditPageSql, formatCursor, shapeAuditRow } from './audit-sql'

/** Records held in memory while ClickHouse refuses them, retried before the next action. */
const MAX_PENDING = 10_000
const ID_COLUMN = AUDIT_COLUMNS.indexOf('id')

/**
 * The audit log in ClickHouse (`audit_log`, migration 0051). A write that fails is not dropped:
 * the record is printed in full to the collector's log (it holds no secrets), counted on
 * `factorwatch_audit_write_failures_total`, and kept to be retried; while any record is
 * pending, `ready()` retries them, and the control API refuses actions (503) until they are
 * stored — no action happens unaudited (collector/access/README.md).
 */
export class AuditLog {
  private pending: unknown[][] = []
  private readonly writer: GroupWriter<unknown[]>
  private readonly failures?: Counter

  constructor(private readonly client: Pick<ClickHouseClient, 'insert' | 'query'>, private readonly log: (line: string) => void, registry?: Registry) {
    this.writer = new GroupWriter((rows) => client.insert({ table: 'audit_log', columns: [...AUDIT_COLUMNS], values: rows, format: 'JSONCompactEachRow' }).then(() => undefined))
    if (registry) {
      this.failures = (registry.getSingleMetric('factorwatch_audit_write_failures_total') as Counter | undefined) ?? new Counter({
        name: 'factorwatch_audit_write_failures_total', help: 'Audit records ClickHouse refused (kept in memory and retried; the action answered with x-factorwatch-audit: failed).', registers: [registry],
      })
    }
  }

  get pendingCount(): number {
    return this.pending.length
  }

  /** Store one record; false (and logged loudly, kept for retry) when ClickHouse refused it. */
  async write(rec: AuditRecord, id: string = randomUUID()): Promise<boolean> {
    const row = AUDIT_COLUMNS.map((c) => (c === 'id' ? id : c === 'ts' ? chTime(Date.parse(rec.ts)) : rec[c]))
    try {
      await this.writer.write([row])
      return true
    } catch (err) {
      this.failures?.inc()
      this.log(`AUDIT WRITE FAILED (record kept in memory, retried before the next action): ${(err as Error).message.split('\n')[0].slice(0, 200)}; record ${JSON.stringify(rec)}`)
      if (this.pending.length < MAX_PENDING) this.pending.push(row)
      else this.log('AUDIT RECORD LOST: the in-memory retry queue is full; the record above is only in this log')
      return false
    }
  }

  /**
   * Store a record the sender identified (`AuditPost.id`) at most once: a resend of an id that is
   * in `audit_log` from the last week (so a collector restart between the two sends does not
   * matter), is being stored, or is held for retry stores nothing
   * and says `duplicate`. `stored` is false when ClickHouse refused it (the record is kept and
   * retried, as `write` does).
   */
  async writeOnce(rec: AuditRecord, id: string): Promise<{ stored: boolean; duplicate: boolean }> {
    const running = this.inFlight.get(id)
    if (running) return { stored: (await running).stored, duplicate: true }
    if (this.pending.some((row) => row[ID_COLUMN] === id)) return { stored: await this.ready(), duplicate: true }
    const attempt = (async () => {
      if (await this.storedBefore(id)) return { stored: true, duplicate: true }
      return { stored: await this.write(rec, id), duplicate: false }
    })()
    this.inFlight.set(id, attempt)
    try {
      return await attempt
    } finally {
      this.inFlight.delete(id)
    }
  }

  private readonly inFlight = new Map<string, Promise<{ stored: boolean; duplicate: boolean }>>()

  /** Whether `audit_log` holds this id from the last week; a failed lookup counts as not found (the write that follows fails too, and is kept for retry). */
  private async storedBefore(id: string): Promise<boolean> {
    try {
      const rows = await runSql(this.client as ClickHouseClient, {
        query: 'SELECT 1 AS found FROM audit_log WHERE ts >= now64(3) - INTERVAL 7 DAY AND id = {id:String} LIMIT 1',
        params: { id },
      })
      return rows.length > 0
    } catch {
      return false
    }
  }

  /** True when nothing is pending, or the pending records were stored now (one retry at a time: concurrent callers share it). */
  ready(): Promise<boolean> {
    if (this.pending.length === 0) return Promise.resolve(true)
    this.retrying ??= this.retry().finally(() => { this.retrying = undefined })
    return this.retrying
  }

  private retrying?: Promise<boolean>

  private async retry(): Promise<boolean> {
    const rows = this.pending
    try {
      await this.writer.write(rows)
      this.pending = this.pending.slice(rows.length)
      this.log(`audit: ${rows.length} pending record(s) stored`)
      return true
    } catch (err) {
      this.log(`audit: ${rows.length} pending record(s) still refused: ${(err as Error).message.split('\n')[0].slice(0, 200)}`)
      return false
    }
  }

  /** One page, newest first; `next` is the cursor of the last record when more may follow. */
  async page(f: AuditFilter, limit: number): Promise<AuditPage> {
    const rows = (await runSql(this.client as ClickHouseClient, auditPageSql(f, limit + 1))).map(shapeAuditRow)
    const more = rows.length > limit
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { records: page.map(({ id: _id, ts_ms: _t, ...r }) => r), next: more && last ? formatCursor({ tsMs: last.ts_ms, id: last.id }) : null }
  }

  /** Every matching record, newest first, a page at a time (the export streams these). */
  async *all(f: AuditFilter, pageSize = 1000): AsyncGenerator<AuditRecord[]> {
    let before = f.before
    for (;;) {
      const rows = (await runSql(this.client as ClickHouseClient, auditPageSql({ ...f, before }, pageSize))).map(shapeAuditRow)
      if (rows.length > 0) yield rows.map(({ id: _id, ts_ms: _t, ...r }) => r)
      if (rows.length < pageSize) return
      const last = rows[rows.length - 1]
      before = { tsMs: last.ts_ms, id: last.id }
    }
  }
}
