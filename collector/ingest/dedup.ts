/**
 * How far an event already got: stored in `mfa_events` only (its `otel_logs` insert failed
 * and the exporter will retry), or in both tables.
 */
export type Stored = 'mfa' | 'both'

/**
 * Bounded LRU of recently stored event ids. It spares ClickHouse the duplicates of retried
 * exports; the ReplacingMergeTree of `mfa_events` stays the backstop for anything evicted or
 * for two copies racing through concurrent requests.
 */
export class RecentIds {
  private readonly ids = new Map<string, Stored>()
  constructor(readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`RecentIds capacity must be a positive integer, got ${capacity}`)
  }

  get size(): number {
    return this.ids.size
  }

  /** What is known of `id`; a hit refreshes its place in the LRU. */
  get(id: string): Stored | undefined {
    const state = this.ids.get(id)
    if (state !== undefined) {
      this.ids.delete(id)
      this.ids.set(id, state)
    }
    return state
  }

  /** Record ids only after their insert completed, so a failed insert's retry is not dropped. */
  mark(ids: Iterable<string>, state: Stored): void {
    for (const id of ids) {
      this.ids.delete(id)
      this.ids.set(id, state)
      if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string)
    }
  }
}
