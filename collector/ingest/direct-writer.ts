import type { ClickHouseClient } from '@clickhouse/client'
import { groupRecords, type Health, type InsertOptions, insertIsolating, type RowWriter, sleep, WriteRefused } from './batcher'
import { type EncodedRows, recordsByTable } from './spool-record'

export interface DirectWriterOptions extends InsertOptions {
  client: Pick<ClickHouseClient, 'exec'>
  batchRows: number
  maxDays: number
}

interface Waiting { records: EncodedRows[]; resolve: () => void; reject: (e: unknown) => void }

/**
 * No spool: a request resolves once an INSERT holding its rows completed. Requests that queue
 * while an INSERT of their table runs share the next one (up to `batchRows` rows and
 * `maxDays` days). A request whose rows ClickHouse refuses alone gets a 400; a transient
 * failure rejects every request of the batch with 503 (nothing acknowledged: they retry).
 */
export class DirectWriter implements RowWriter {
  private readonly queues = new Map<string, Waiting[]>()
  private readonly running = new Set<string>()

  constructor(private readonly o: DirectWriterOptions) {}

  async write(records: EncodedRows[]): Promise<void> {
    const byTable = recordsByTable(records)
    await Promise.all([...byTable].map(([table, recs]) => new Promise<void>((resolve, reject) => {
      let q = this.queues.get(table)
      if (!q) this.queues.set(table, (q = []))
      q.push({ records: recs, resolve, reject })
      if (!this.running.has(table)) void this.drain(table)
    })))
  }

  private async drain(table: string): Promise<void> {
    this.running.add(table)
    const q = this.queues.get(table)!
    while (q.length > 0) {
      // Whole requests up to batchRows rows and maxDays days (at least one).
      let n = 0
      let rows = 0
      const days = new Set<number>()
      while (n < q.length) {
        const recRows = q[n].records.reduce((a, r) => a + r.rows, 0)
        const newDays = new Set(days)
        for (const r of q[n].records) for (const d of r.days) newDays.add(d)
        if (n > 0 && (rows + recRows > this.o.batchRows || newDays.size > this.o.maxDays)) break
        rows += recRows
        for (const d of newDays) days.add(d)
        n++
      }
      const batch = q.splice(0, n)
      await this.insertBatch(batch)
    }
    this.running.delete(table)
  }

  private async insertBatch(batch: Waiting[]): Promise<void> {
    // Flatten to records, remembering whose each is; one group per INSERT shape.
    const owner = new Map<EncodedRows, Waiting>()
    for (const w of batch) for (const r of w.records) owner.set(r, w)
    const bad = new Map<Waiting, string>()
    try {
      for (const group of groupRecords([...owner.keys()])) {
        // A request split over many records: its records stay together when the group is bisected
        // only if it is refused as a whole; a partly refused request is refused as a whole below.
        const { refused } = await insertIsolating(this.o.client, group, { ...this.o, attempt: 0 })
        for (const r of refused) bad.set(owner.get(group[r.index])!, r.reason)
      }
    } catch (err) {
      for (const w of batch) w.reject(new WriteRefused(503, `storage unavailable (${(err as Error).message.split('\n')[0].slice(0, 120)}), retry later`, 5))
      return
    }
    for (const w of batch) {
      const reason = bad.get(w)
      if (reason) w.reject(new WriteRefused(400, `rows refused by storage: ${reason}`))
      else w.resolve()
    }
  }

  health(): Health {
    return { status: 'ok', reason: 'direct inserts (no spool)' }
  }

  async close(): Promise<void> {
    while (this.running.size > 0) await sleep(20)
  }
}
