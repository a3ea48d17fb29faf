import { z } from 'zod'
import { loadYamlFile } from './yaml-file'

/**
 * The slice of dashboards/subprocessors.yaml the SLO generator needs: vendor ids, channels and
 * SLA. The full registry schema is ./registry.ts beside it (the IdP and console load it); this
 * reads the same file loosely so the collector's start-up does not depend on registry fields it
 * does not use. Using loadRegistry here is the next step (its errors name file and path too).
 */
export const VendorSla = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  channels: z.array(z.enum(['sms', 'voice', 'email', 'push'])).min(1),
  /** null: the vendor publishes no availability commitment (FCM, APNs). */
  slaAvailabilityPct: z.number().gt(0).lt(100).nullable(),
})
export type VendorSla = z.infer<typeof VendorSla>

export const VendorSlaFile = z.object({ vendors: z.array(VendorSla.loose()).min(1) }).loose()

export function loadVendorSlas(path: string): VendorSla[] {
  return loadYamlFile(VendorSlaFile, path).vendors.map(({ id, channels, slaAvailabilityPct }) => ({ id, channels, slaAvailabilityPct }))
}
