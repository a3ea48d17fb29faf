import { certificationWarnings } from '../../dashboards/schema/registry-queries'
import type { Registry } from './registry-source'
import type { ChangeLogEntry, SubprocessorsView, VendorFacts } from './subprocessors-api'

/** Pure views of the sub-processor registry for the console. */

/** Certifications expiring within this many days are flagged. */
export const CERT_WARN_DAYS = 60

export interface Scope { channel?: string; region?: string }

type Vendor = Registry['vendors'][number]

export const inScope = (v: Vendor, s: Scope) =>
  (s.channel === undefined || (v.channels as string[]).includes(s.channel)) && (s.region === undefined || v.regions.includes(s.region))

const ordinal = (n: number) => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`

/** Where the vendor sits in each fallback chain: "sms eu-west: 1st of 2". */
function fallbackPositions(registry: Registry, id: string): string[] {
  return registry.fallback
    .filter((f) => f.chain.includes(id))
    .map((f) => `${f.channel}${f.platform ? ` (${f.platform})` : ''} ${f.region}: ${ordinal(f.chain.indexOf(id) + 1)} of ${f.chain.length}`)
}

export function vendorFacts(registry: Registry, v: Vendor, now: Date): VendorFacts {
  const warnings = certificationWarnings({ ...registry, vendors: [v] }, now, CERT_WARN_DAYS)
  return {
    id: v.id,
    legalName: v.legalName,
    product: v.product,
    purpose: v.purpose,
    channels: v.channels,
    regions: v.regions,
    dataCategories: v.dataCategories,
    dataFlow: v.dataFlow,
    downstream: v.downstream,
    certifications: v.certifications.map((c) => {
      const w = warnings.find((x) => x.certification === c.name && x.expires === c.expires)
      return { name: c.name, expires: c.expires, daysLeft: w ? w.daysLeft : null, status: w ? w.severity : 'valid' }
    }),
    dpa: v.dpa,
    subprocessorNoticeDate: v.subprocessorNoticeDate,
    slaAvailabilityPct: v.slaAvailabilityPct,
    costMicrosPerMessage: v.costMicrosPerMessage,
    statusPage: v.statusPage,
    fallbackPositions: fallbackPositions(registry, v.id),
  }
}

/** The registry's change log, newest first (the YAML keeps it oldest first). */
export function changelog(registry: Registry, vendor?: string): ChangeLogEntry[] {
  return registry.changelog.filter((c) => vendor === undefined || c.vendor === vendor).reverse()
}

/** Certifications of the vendors in scope that expired or expire within CERT_WARN_DAYS. */
export function expiring(registry: Registry, scope: Scope, now: Date): SubprocessorsView['expiring'] {
  const vendors = registry.vendors.filter((v) => inScope(v, scope))
  return certificationWarnings({ ...registry, vendors }, now, CERT_WARN_DAYS).map(({ vendor, certification, expires, daysLeft }) => ({ vendor, certification, expires, daysLeft }))
}

/** Channels and regions the registry knows: what the filters offer. */
export function filterOptions(registry: Registry): SubprocessorsView['options'] {
  const channels = ['sms', 'voice', 'email', 'push'].filter((c) => registry.vendors.some((v) => (v.channels as string[]).includes(c)))
  const regions = [...new Set(registry.vendors.flatMap((v) => v.regions))].sort()
  return { channels, regions }
}

/**
 * Sort rank of a vendor on a channel: its best position in that channel's fallback chains (in
 * the region when one is chosen), so the primary route is listed before its backup.
 */
export function chainRank(registry: Registry, provider: string, channel: string, region?: string): number {
  const positions = registry.fallback
    .filter((f) => f.channel === channel && (region === undefined || f.region === region) && f.chain.includes(provider))
    .map((f) => f.chain.indexOf(provider))
  return positions.length ? Math.min(...positions) : Number.MAX_SAFE_INTEGER
}
