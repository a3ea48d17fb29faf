import { z } from 'zod'
import { Channel, EventName, Factor, Outcome, REASONS, UserGroup, Client, Intent } from '../../contract'
import { durationSeconds } from './yaml-file'

/** A duration as written in rule files ("5m", "1h", "28d"). */
export const Duration = z.string().refine((s) => durationSeconds(s) !== null, { message: 'expected a duration like 30s, 5m, 1h or 28d' })

/**
 * Events of one name whose columns take one of the listed values. Values are checked against
 * the contract (a reason must be one the event allows), so a typo stops start-up instead of
 * silently matching nothing.
 */
export const EventFilter = z
  .object({
    event: EventName,
    factor: z.array(Factor).min(1).optional(),
    provider: z.array(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/)).min(1).optional(),
    channel: z.array(Channel).min(1).optional(),
    outcome: z.array(Outcome).min(1).optional(),
    reason: z.array(z.string()).min(1).optional(),
    user_group: z.array(UserGroup).min(1).optional(),
    region: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/)).min(1).optional(),
    client: z.array(Client).min(1).optional(),
    intent: z.array(Intent).min(1).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const allowed: readonly string[] = REASONS[f.event]
    f.reason?.forEach((r, i) => {
      if (!allowed.includes(r)) ctx.addIssue({ code: 'custom', path: ['reason', i], message: `reason "${r}" is not one of ${f.event}'s: ${allowed.join(', ')}` })
    })
  })
export type EventFilter = z.infer<typeof EventFilter>

export const FILTER_COLUMNS = ['factor', 'provider', 'channel', 'outcome', 'reason', 'user_group', 'region', 'client', 'intent'] as const
export type FilterColumn = (typeof FILTER_COLUMNS)[number]
