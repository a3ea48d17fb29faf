import { z } from 'zod'

/**
 * GET /api/v1/ingest/conflicts: contract events the collector refused because their `event.id`
 * was already stored with other content. The first content stays in mfa_events; each later one
 * is listed here, newest first.
 */
export const IngestConflict = z.object({
  /** When the collector received the conflicting copy. */
  seen_at: z.string(),
  /** The conflicting copy's own event time. */
  ts: z.string(),
  event: z.string(),
  event_id: z.string(),
  service: z.string(),
  tenant: z.string(),
  /** The collector's 32-bit fingerprints of the stored content and of this copy. */
  first_hash: z.number().int().nonnegative(),
  conflict_hash: z.number().int().nonnegative(),
  /** This copy's attributes as sent (contract-valid: no raw user ids). */
  attributes: z.record(z.string(), z.string()),
})
export type IngestConflict = z.infer<typeof IngestConflict>

export const IngestConflictsResponse = z.object({
  window: z.object({ from: z.string(), to: z.string() }),
  /** Conflicts in the window, all of them (the list below may be cut at `limit`). */
  total: z.number().int().nonnegative(),
  conflicts: z.array(IngestConflict),
})
export type IngestConflictsResponse = z.infer<typeof IngestConflictsResponse>
