import { z } from 'zod'
import { Severity, UserGroup } from '../../contract'
import { Duration, EventFilter } from './filter'

/**
 * dashboards/alerts.yaml: the burn-rate policy applied to every SLO of slos.yaml, and threshold
 * rules over raw signals. Texts may use {slo}, {vendor}, {channel}, {user_group}, {value},
 * {service}, {objective} and {description}; the engine fills them per alert.
 */
const Runbook = z.string().regex(/^[a-z0-9-]+$/, 'expected a runbook name (dashboards/runbooks/<name>.md)')
const AlertName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an identifier like VendorCircuitOpen')
const Labels = z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.string()).default({})

export const WindowPair = z
  .object({ long: Duration, short: Duration, factor: z.number().positive(), for: Duration })
  .strict()
export type WindowPair = z.infer<typeof WindowPair>

export const BurnRatePolicy = z
  .object({
    /** Page tier: one alert per user group; critical groups page, the others open a ticket. */
    page: z.array(WindowPair).min(1),
    /** Ticket tier: over all traffic of the SLO. */
    ticket: z.array(WindowPair),
    /**
     * The guide's rule: more than `fraction` of the window's budget spent within `window` pages,
     * while the `short` window still burns at `short_factor` (so it resolves minutes after the cause).
     */
    budget_spend: z.object({ window: Duration, fraction: z.number().gt(0).max(1), short: Duration, short_factor: z.number().positive(), for: Duration }).strict(),
    summary: z.string().min(1),
    description: z.string().min(1),
  })
  .strict()

const Op = z.enum(['>', '>=', '<', '<='])
export type Op = z.infer<typeof Op>

export const Condition = z.discriminatedUnion('type', [
  /** Events matching `filter` within `window`, one alert per value of `by` (or one in all). */
  z.object({ type: z.literal('count'), filter: EventFilter, window: Duration, by: z.enum(['provider', 'user_group', 'region', 'service']).optional(), op: Op, threshold: z.number() }).strict(),
  /** 1 while a vendor's latest breaker state is open, else 0; one alert per vendor. */
  z.object({ type: z.literal('circuit_open'), op: Op, threshold: z.number() }).strict(),
  /** Latest enrollment coverage (0..1) of a user group. */
  z.object({ type: z.literal('coverage'), user_group: UserGroup, op: Op, threshold: z.number() }).strict(),
  /** Seconds since a producer (service.name) last sent an event, for producers seen within `lookback`. */
  z.object({ type: z.literal('silence'), lookback: Duration, op: Op, threshold: z.number() }).strict(),
])
export type Condition = z.infer<typeof Condition>

export const ThresholdRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    alertname: AlertName,
    severity: Severity,
    for: Duration,
    runbook: Runbook,
    labels: Labels,
    summary: z.string().min(1),
    description: z.string().min(1),
    condition: Condition,
  })
  .strict()
export type ThresholdRule = z.infer<typeof ThresholdRule>

export const AlertsFile = z
  .object({
    version: z.literal(1),
    /** A firing alert whose condition clears stays firing this long (damps flapping). */
    keep_firing_for: Duration,
    /** A firing alert whose data is missing stays firing this long, then resolves. */
    missing_data_hold: Duration,
    /** A resolved alert is shown (and its resolution re-sent) this long before it is inactive. */
    keep_resolved_for: Duration,
    burn_rate: BurnRatePolicy,
    thresholds: z.array(ThresholdRule),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>()
    f.thresholds.forEach((t, i) => {
      if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: ['thresholds', i, 'id'], message: `duplicate rule id "${t.id}"` })
      seen.add(t.id)
    })
  })
export type AlertsFile = z.infer<typeof AlertsFile>
