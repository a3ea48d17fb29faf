import { z } from 'zod'
import { UserGroup } from '../../contract'
import { Duration, EventFilter } from './filter'

/**
 * dashboards/slos.yaml. An SLI is either a ratio (bad events over total events, each an event
 * filter; good = total − bad) or a latency threshold (total events whose latency_ms exceeds
 * the threshold are bad). `coverage` is the enrollment SLO (M8): the share of a group's
 * accounts with a second factor, from the latest snapshots; it has no budget to burn.
 */
const RatioSli = z.object({ type: z.literal('ratio'), total: EventFilter, bad: EventFilter }).strict()
const LatencySli = z.object({ type: z.literal('latency'), total: EventFilter, threshold_ms: z.number().int().positive() }).strict()
const CoverageSli = z.object({ type: z.literal('coverage'), user_group: UserGroup }).strict()
export const Sli = z.discriminatedUnion('type', [RatioSli, LatencySli, CoverageSli])
export type Sli = z.infer<typeof Sli>

const Objective = z.number().gt(0).max(100)
const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lower-case letters, digits and dashes')

export const SloDef = z
  .object({
    id: Id,
    metric: z.enum(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10']).optional(),
    description: z.string().min(1),
    objective: Objective,
    window: Duration.optional(),
    min_volume: z.number().int().nonnegative().optional(),
    /** Stricter (or looser) objectives per user group; groups not listed use `objective`. */
    user_groups: z.partialRecord(UserGroup, Objective).optional(),
    runbook: z.string().regex(/^[a-z0-9-]+$/),
    sli: Sli,
    /**
     * Game-day windows do not count against this SLO's error budget (budget remaining, the
     * burn-down, the spend rule's denominator). Burn-rate alerts still see drill traffic, so a
     * drill still tests detection; its alerts are labelled and routed as drills.
     */
    exclude_drills: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.sli.type !== 'coverage' && s.objective >= 100) ctx.addIssue({ code: 'custom', path: ['objective'], message: `got ${s.objective}: a ratio or latency objective must be below 100 (100 leaves no error budget)` })
  })
export type SloDef = z.infer<typeof SloDef>

/** Availability SLOs generated per vendor × channel from subprocessors.yaml (objective = its SLA). */
export const VendorSlos = z
  .object({
    registry: z.string().default('subprocessors.yaml'),
    description: z.string().min(1),
    description_without_sla: z.string().min(1),
    min_volume: z.number().int().nonnegative().optional(),
    window: Duration.optional(),
    /** Objective for vendors without a contractual SLA (slaAvailabilityPct: null): our own target. */
    objective_without_sla: z.number().gt(0).lt(100),
    runbook: z.string().regex(/^[a-z0-9-]+$/),
    /** As exclude_drills of an SLO, for every generated vendor SLO. */
    exclude_drills: z.boolean().default(false),
    /** Filters without provider/channel: the generator adds the vendor and channel. */
    total: EventFilter,
    bad: EventFilter,
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const side of ['total', 'bad'] as const) {
      for (const k of ['provider', 'channel'] as const) if (v[side][k]) ctx.addIssue({ code: 'custom', path: [side, k], message: `set by the generator per vendor × channel; remove it` })
    }
  })

export const SlosFile = z
  .object({
    version: z.literal(1),
    /** Groups whose degradation pages; elsewhere the same burn opens a ticket. */
    critical_user_groups: z.array(UserGroup).min(1),
    defaults: z.object({ window: Duration, min_volume: z.number().int().nonnegative() }).strict(),
    slos: z.array(SloDef).min(1),
    vendor_slos: VendorSlos.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>()
    f.slos.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'id'], message: `duplicate SLO id "${s.id}"` })
      seen.add(s.id)
    })
  })
export type SlosFile = z.infer<typeof SlosFile>
