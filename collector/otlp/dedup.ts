/** Bounded memory of recently stored event ids; the table's ReplacingMergeTree is the backstop. */
export class RecentIds {
  private readonly ids = new Set<string>()
  constructor(private readonly capacity = 200_000) {}
  has(id: string): boolean {
    return this.ids.has(id)
  }
  /** Record ids only after they were stored, so a failed insert's retry is not dropped. */
  addAll(ids: Iterable<string>): void {
    for (const id of ids) {
      this.ids.add(id)
      if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string)
    }
  }
}
