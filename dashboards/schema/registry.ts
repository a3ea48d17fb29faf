import { readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { Factor } from '../../contract/enums'

/**
 * The sub-processor registry (dashboards/subprocessors.yaml): who processes which personal
 * data for which MFA channel, under which certifications and contract, at what cost and SLA,
 * how adapters call them (timeout, breaker) and in which order they are tried. The zod schema
 * below is the single source of its shape; cross-field rules (unique ids, fallback chains that
 * only name vendors serving that channel and region, a change log that names known vendors)
 * are checked at load.
 */

const ROOT = fileURLToPath(new URL(/* webpackIgnore: true */ '../../', import.meta.url))
export const DEFAULT_REGISTRY_PATH = resolve(ROOT, 'dashboards/subprocessors.yaml')

const text = z.string({ error: (i) => (i.input === undefined ? 'required' : 'expected a string') }).trim().min(1, 'must not be empty')

export const IsoDate = z
  .string({ error: 'expected YYYY-MM-DD date' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD date')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`)
    // A shape error is already reported by the regex; here only real calendar days pass.
    return Number.isNaN(d.getTime()) ? !/^\d{4}-\d{2}-\d{2}$/.test(s) : d.toISOString().startsWith(s)
  }, 'expected YYYY-MM-DD date (not a calendar day)')

const slug = z.string({ error: 'required' }).regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case id (a-z, 0-9, -)')

export const RegistryChannel = z.enum(['sms', 'voice', 'email', 'push'])
export type RegistryChannel = z.infer<typeof RegistryChannel>

export const DataCategory = z.enum(['phone_number', 'email_address', 'device_token', 'ip_address', 'message_content'])
export type DataCategory = z.infer<typeof DataCategory>

export const Platform = z.enum(['ios', 'android'])
export type Platform = z.infer<typeof Platform>

const Certification = z.object({
  name: text,
  expires: IsoDate,
  evidence: z.url().optional(),
})

const Breaker = z.object({
  /** Open when failures / requests in the window reach this ratio … */
  failureRatio: z.number().gt(0).max(1),
  /** … and at least this many requests were seen. */
  minimumRequests: z.number().int().min(1),
  openSeconds: z.number().positive(),
  halfOpenProbes: z.number().int().min(1),
})

export const Vendor = z.object({
  id: slug,
  legalName: text,
  product: text,
  purpose: text,
  channels: z.array(RegistryChannel).min(1),
  regions: z.array(slug).min(1),
  dataCategories: z.array(DataCategory).min(1),
  dataFlow: text,
  /** The vendor's own sub-processors (carriers, platforms): the layered dependency. */
  downstream: z.array(text).default([]),
  certifications: z.array(Certification).min(1),
  dpa: z.object({ reference: text, signed: IsoDate, url: z.url().optional() }),
  subprocessorNoticeDate: IsoDate,
  /** Contractual availability target; null when the vendor offers no SLA (FCM, APNs). */
  slaAvailabilityPct: z.number().min(90).max(100).nullable(),
  costMicrosPerMessage: z.number().int().min(0),
  timeoutMs: z.number().int().min(100).max(60_000),
  retryable: z.boolean(),
  breaker: Breaker,
  statusPage: z.url().optional(),
})
export type Vendor = z.infer<typeof Vendor>

export const Fallback = z.object({
  channel: RegistryChannel,
  region: slug,
  /** Push only: chains differ by device platform (an APNs token is not an FCM token). */
  platform: Platform.optional(),
  chain: z.array(slug).min(1),
  /** Factors offered to the user when every vendor in the chain is unavailable. */
  thenFactors: z.array(Factor).default([]),
})
export type Fallback = z.infer<typeof Fallback>

export const CHANGE_KINDS = ['added', 'removed', 'channels_changed', 'regions_changed', 'data_categories_changed'] as const
export const ChangeEntry = z.object({
  date: IsoDate,
  vendor: slug,
  kind: z.enum(CHANGE_KINDS),
  summary: text,
})
export type ChangeEntry = z.infer<typeof ChangeEntry>

export const RegistrySchema = z
  .object({
    version: z.literal(1),
    vendors: z.array(Vendor).min(1),
    fallback: z.array(Fallback).min(1),
    changelog: z.array(ChangeEntry).default([]),
  })
  .superRefine((reg, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message })
    const byId = new Map<string, number>()
    reg.vendors.forEach((v, i) => {
      const first = byId.get(v.id)
      if (first !== undefined) issue(['vendors', i, 'id'], `duplicate vendor id "${v.id}" (also vendors[${first}])`)
      else byId.set(v.id, i)
    })
    const ids = [...byId.keys()]
    const seen = new Map<string, number>()
    reg.fallback.forEach((f, i) => {
      const key = `${f.channel}/${f.region}${f.platform ? `/${f.platform}` : ''}`
      if (seen.has(key)) issue(['fallback', i], `duplicate fallback for ${key} (also fallback[${seen.get(key)}])`)
      seen.set(key, i)
      f.chain.forEach((id, j) => {
        const v = reg.vendors[byId.get(id) ?? -1]
        if (!v) return issue(['fallback', i, 'chain', j], `unknown vendor "${id}"; known: ${ids.join(', ')}`)
        if (!v.channels.includes(f.channel)) issue(['fallback', i, 'chain', j], `vendor "${id}" does not serve channel ${f.channel}`)
        if (!v.regions.includes(f.region)) issue(['fallback', i, 'chain', j], `vendor "${id}" does not serve region ${f.region}`)
        if (f.chain.indexOf(id) !== j) issue(['fallback', i, 'chain', j], `vendor "${id}" appears twice in the chain`)
      })
    })
    // Every channel/region some vendor serves must be reachable through a chain.
    for (const v of reg.vendors)
      for (const channel of v.channels)
        for (const region of v.regions)
          if (!reg.fallback.some((f) => f.channel === channel && f.region === region && f.chain.includes(v.id)))
            issue(['fallback'], `vendor "${v.id}" serves ${channel}/${region} but no fallback chain there names it`)
    const removed = new Set(reg.changelog.filter((c) => c.kind === 'removed').map((c) => c.vendor))
    reg.changelog.forEach((c, i) => {
      if (!byId.has(c.vendor) && !removed.has(c.vendor))
        issue(['changelog', i, 'vendor'], `unknown vendor "${c.vendor}" (neither in vendors nor recorded as removed)`)
      if (i > 0 && c.date < reg.changelog[i - 1].date) issue(['changelog', i, 'date'], `entries must be in date order: ${c.date} after ${reg.changelog[i - 1].date}`)
    })
  })
export type Registry = z.infer<typeof RegistrySchema>

/** `vendors[2].certifications[0].expires` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '') || '(root)'
}

/** Parse registry YAML; errors name the source and each failing field path. */
export function parseRegistry(yamlText: string, source: string): Registry {
  let raw: unknown
  try {
    raw = parseYaml(yamlText)
  } catch (err) {
    throw new Error(`${source}: invalid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  const parsed = RegistrySchema.safeParse(raw)
  if (parsed.success) return parsed.data
  const lines = parsed.error.issues.slice(0, 5).map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`)
  const more = parsed.error.issues.length - lines.length
  throw new Error(lines.join('\n') + (more > 0 ? `\n${source}: … and ${more} more` : ''))
}

export function loadRegistry(path: string = DEFAULT_REGISTRY_PATH): Registry {
  const abs = resolve(path)
  const rel = relative(ROOT, abs)
  const source = rel.startsWith('..') || isAbsolute(rel) ? abs : rel
  let yamlText: string
  try {
    yamlText = readFileSync(abs, 'utf8')
  } catch (err) {
    throw new Error(`${source}: cannot read registry: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return parseRegistry(yamlText, source)
}
