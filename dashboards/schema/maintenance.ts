import { z } from 'zod'
import { Matcher } from '../../contract'

/** dashboards/maintenance.yaml (optional): known maintenance windows that hold back notifications. */
export const MaintenanceFile = z
  .object({
    version: z.literal(1),
    windows: z.array(
      z.object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
        name: z.string().min(1),
        matchers: z.array(Matcher).min(1),
        startsAt: z.iso.datetime({ offset: true }),
        endsAt: z.iso.datetime({ offset: true }),
        comment: z.string().default(''),
      }).strict(),
    ),
  })
  .strict()
export type MaintenanceFile = z.infer<typeof MaintenanceFile>
