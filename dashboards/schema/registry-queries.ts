import type { Factor } from '../../contract/enums'
import type { Platform, Registry, RegistryChannel, Vendor } from './registry'

/** Pure questions asked of a loaded registry (adapters, console). */

export interface Chain {
  /** Vendors to try, in order, with their timeouts and breaker settings. */
  vendors: Vendor[]
  /** Factors to offer the user once every vendor is unavailable. */
  thenFactors: Factor[]
}

/**
 * The fallback chain for a channel in a region. For push, pass the device platform; without
 * one, the platform chains are concatenated (APNs for iOS, then FCM for Android …).
 * Unknown channel/region → an empty chain (the caller goes straight to other factors).
 */
export function fallbackChain(registry: Registry, channel: RegistryChannel, region: string, platform?: Platform): Chain {
  const entries = registry.fallback.filter(
    (f) => f.channel === channel && f.region === region && (platform === undefined || f.platform === undefined || f.platform === platform),
  )
  const byId = new Map(registry.vendors.map((v) => [v.id, v]))
  const ids = [...new Set(entries.flatMap((f) => f.chain))]
  const thenFactors = [...new Set(entries.flatMap((f) => f.thenFactors))]
  return { vendors: ids.map((id) => byId.get(id)!), thenFactors }
}

export interface CertificationWarning {
  vendor: string
  legalName: string
  certification: string
  expires: string
  /** Negative once expired. */
  daysLeft: number
  severity: 'expired' | 'expiring'
}

const DAY_MS = 86_400_000

/** Certifications expired or expiring within `days` of `now`, soonest first. */
export function certificationWarnings(registry: Registry, now: Date | number, days = 60): CertificationWarning[] {
  const t = typeof now === 'number' ? now : now.getTime()
  const today = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), new Date(t).getUTCDate())
  const out: CertificationWarning[] = []
  for (const v of registry.vendors)
    for (const c of v.certifications) {
      const daysLeft = Math.round((Date.parse(`${c.expires}T00:00:00Z`) - today) / DAY_MS)
      if (daysLeft <= days)
        out.push({ vendor: v.id, legalName: v.legalName, certification: c.name, expires: c.expires, daysLeft, severity: daysLeft < 0 ? 'expired' : 'expiring' })
    }
  return out.sort((a, b) => a.daysLeft - b.daysLeft || a.vendor.localeCompare(b.vendor))
}
