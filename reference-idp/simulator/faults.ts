import { z } from 'zod'
import { DEFAULT_PROFILES, VENDOR_IDS, isVendorId } from './profiles'

/**
 * Injected faults. A fault applies to one vendor, in one region or all ('*'), for a fixed
 * duration, after which it no longer counts (expiry is a comparison with `now`, so there is
 * no revert step that could be missed).
 */

export const FAULT_KINDS = ['outage', 'error_rate', 'latency', 'blackhole', 'delivery_loss', 'rate_limit'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

const RATIO_KINDS: readonly FaultKind[] = ['error_rate', 'delivery_loss']

export const FaultRequest = z
  .object({
    vendor: z.string({ error: 'required: a vendor id' }),
    region: z.string().min(1).default('*'),
    kind: z.enum(FAULT_KINDS, { error: `expected one of ${FAULT_KINDS.join(', ')}` }),
    value: z.number({ error: 'expected a number' }).finite().min(0, 'must be >= 0').optional(),
    durationSeconds: z
      .number({ error: 'required: a number of seconds' })
      .positive('must be > 0')
      .max(7 * 24 * 3600, 'must be at most 604800 (7 days)'),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (!isVendorId(f.vendor)) {
      ctx.addIssue({ code: 'custom', path: ['vendor'], message: `unknown vendor "${f.vendor}"; valid vendors: ${VENDOR_IDS.join(', ')}` })
      return
    }
    const regions = DEFAULT_PROFILES[f.vendor].regions
    if (f.region !== '*' && !regions.includes(f.region))
      ctx.addIssue({ code: 'custom', path: ['region'], message: `vendor ${f.vendor} does not serve region "${f.region}"; valid: *, ${regions.join(', ')}` })
    if ((f.kind === 'error_rate' || f.kind === 'latency') && f.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `required for kind ${f.kind}` })
    if (RATIO_KINDS.includes(f.kind) && f.value !== undefined && f.value > 1)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a ratio between 0 and 1 for kind ${f.kind}, got ${f.value}` })
  })
export type FaultRequest = z.infer<typeof FaultRequest>

export interface Fault {
  id: string
  vendor: string
  region: string
  kind: FaultKind
  /** Kind-specific; defaults filled in: delivery_loss 1, rate_limit 0 rps. */
  value: number
  durationSeconds: number
  createdAt: number
  expiresAt: number
}

export function makeFault(req: FaultRequest, id: string, now: number): Fault {
  const value = req.value ?? (req.kind === 'delivery_loss' ? 1 : 0)
  return {
    id,
    vendor: req.vendor,
    region: req.region,
    kind: req.kind,
    value,
    durationSeconds: req.durationSeconds,
    createdAt: now,
    expiresAt: now + Math.round(req.durationSeconds * 1000),
  }
}

export function isActive(f: Fault, now: number): boolean {
  return f.createdAt <= now && now < f.expiresAt
}

/** Faults that bear on a request to `vendor` in `region` at `now`. */
export function activeFor(faults: readonly Fault[], vendor: string, region: string, now: number): Fault[] {
  return faults.filter((f) => f.vendor === vendor && (f.region === '*' || f.region === region) && isActive(f, now))
}

export function faultJson(f: Fault) {
  return {
    id: f.id,
    vendor: f.vendor,
    region: f.region,
    kind: f.kind,
    value: f.value,
    durationSeconds: f.durationSeconds,
    createdAt: new Date(f.createdAt).toISOString(),
    expiresAt: new Date(f.expiresAt).toISOString(),
  }
}
