import { readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { Channel, EventName, Factor, IdpFaultKind, MAX_FAULT_SECONDS, RunbookActionKind, ScenarioList, ScenarioSummary, UserGroup } from '../../contract'
import { AlertsFile } from './alerts'
import { Duration } from './filter'
import { loadRegistry } from './registry'
import { SlosFile } from './slos'
import { dashboardsPath, displayPath, durationSeconds, formatPath, loadYamlFile, RulesFileError } from './yaml-file'

/**
 * dashboards/gamedays/<id>.yaml: one game-day scenario. Steps inject faults in the reference
 * IdP's vendor layer (target idp, the fault API of contract/gameday.ts), at the provider
 * simulator (the vendor's side: POST /faults) or trigger runbook automation in the IdP;
 * guardrails abort the drill; expectations are checked afterwards from stored events.
 * Durations are written like the rule files ("90s", "5m") and parsed to seconds.
 */

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected lower-case letters, digits and -, at most 64')
const Seconds = Duration.transform((s) => durationSeconds(s)!)
const Share = z.number().gt(0).max(1)
const Region = z.string().regex(/^(\*|[a-z0-9][a-z0-9-]*)$/, 'expected a region id like eu-west, or *')
const VendorId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a registry vendor id')

/** The provider simulator's fault kinds (reference-idp/simulator/faults.ts; a test keeps the lists equal). */
export const SIMULATOR_FAULT_KINDS = ['outage', 'error_rate', 'latency', 'blackhole', 'delivery_loss', 'rate_limit'] as const

const timing = { id: Id, start: Seconds.default(0), duration: Seconds }

const IdpStep = z.object({
  ...timing,
  target: z.literal('idp'),
  fault: IdpFaultKind,
  vendor: VendorId.optional(),
  channel: z.union([Channel, z.literal('*')]).default('*'),
  region: Region.default('*'),
  share: Share.default(1),
  latency_ms: z.number().int().positive().max(120_000).optional(),
  /** Defaults to the blast radius (its only user group, its synthetic_only). */
  scope: z.object({ user_group: UserGroup.optional(), synthetic_only: z.boolean().optional() }).strict().default({}),
}).strict()

const SimulatorStep = z.object({
  ...timing,
  target: z.literal('simulator'),
  fault: z.enum(SIMULATOR_FAULT_KINDS),
  vendor: VendorId,
  region: Region.default('*'),
  /** error_rate and delivery_loss: the share of requests hit. */
  share: Share.optional(),
  /** latency: added milliseconds. */
  latency_ms: z.number().int().positive().max(120_000).optional(),
  /** rate_limit: requests per second the vendor still accepts. */
  rate_per_second: z.number().min(0).optional(),
}).strict()

const RunbookStep = z.object({
  ...timing,
  target: z.literal('runbook'),
  action: RunbookActionKind,
  vendor: VendorId.optional(),
  channel: z.union([Channel, z.literal('*')]).default('*'),
  region: Region.default('*'),
  factor: Factor.optional(),
  instead_of: Factor.optional(),
}).strict()

export const ScenarioStep = z.discriminatedUnion('target', [IdpStep, SimulatorStep, RunbookStep])
export type ScenarioStep = z.infer<typeof ScenarioStep>
export type IdpStep = z.infer<typeof IdpStep>
export type SimulatorStep = z.infer<typeof SimulatorStep>
export type RunbookStep = z.infer<typeof RunbookStep>

export const Guardrail = z.discriminatedUnion('type', [
  /** Abort when the SLO's burn rate over `window` exceeds `max_burn_rate`. */
  z.object({ id: Id.optional(), type: z.literal('slo_burn'), slo: z.string().min(1), window: Seconds, max_burn_rate: z.number().positive() }).strict(),
  /** Abort when admins' sign-in success (mfa-success's definition: guessing that ends locked out is not counted) over `window` falls below `floor`. */
  z.object({ id: Id.optional(), type: z.literal('admin_success_floor'), floor: z.number().gt(0).max(1), window: Seconds }).strict(),
  /** Abort when a page alert fires that does not carry this drill's gameday label. */
  z.object({ id: Id.optional(), type: z.literal('unrelated_page') }).strict(),
])
export type Guardrail = z.infer<typeof Guardrail> & { id: string }

const Side = z.object({ vendor: VendorId.optional(), factor: Factor.optional() }).strict()
  .refine((s) => s.vendor !== undefined || s.factor !== undefined, { message: 'expected vendor or factor' })

export const Expectation = z.discriminatedUnion('type', [
  /** An alert fires within `within` of the first fault: a threshold rule id of alerts.yaml, or any burn-rate alert of `slo`. */
  z.object({ id: Id.optional(), type: z.literal('alert_fires'), alert: z.string().min(1).optional(), slo: z.string().min(1).optional(), labels: z.record(z.string(), z.string()).default({}), within: Seconds }).strict()
    .refine((e) => (e.alert === undefined) !== (e.slo === undefined), { message: 'expected exactly one of alert (a rule id of alerts.yaml) or slo (an SLO id)', path: ['alert'] }),
  /** Of the fallbacks away from `from`, at least `min_share` go to `to`, within `within` of the first fault. */
  z.object({ id: Id.optional(), type: z.literal('fallback_share'), from: Side, to: Side, min_share: Share, within: Seconds }).strict(),
  /** Sign-in success (as the mfa-success SLO counts it) of a user group (all when omitted) stays at or above `floor` during the drill. */
  z.object({ id: Id.optional(), type: z.literal('success_rate'), user_group: UserGroup.optional(), floor: z.number().gt(0).max(1) }).strict(),
  /** Volume of `event` during the drill is at least `min_ratio` × the same length before it (recovery surge). */
  z.object({ id: Id.optional(), type: z.literal('volume_increase'), event: EventName, min_ratio: z.number().positive(), within: Seconds }).strict(),
  /** The IdP opens its circuit breaker for `vendor` within `within` of the first fault. */
  z.object({ id: Id.optional(), type: z.literal('breaker_opens'), vendor: VendorId, within: Seconds }).strict(),
])
export type Expectation = z.infer<typeof Expectation> & { id: string }

export const BlastRadius = z.object({
  /** Omitted: every group. */
  user_groups: z.array(UserGroup).min(1).optional(),
  regions: z.array(Region).min(1).default(['*']),
  /** The largest share of the matching requests any step may touch. */
  share: Share.default(1),
  synthetic_only: z.boolean().default(false),
}).strict()
export type BlastRadius = z.infer<typeof BlastRadius>

const ScenarioBase = z.object({
  version: z.literal(1),
  id: Id,
  name: z.string().min(1).max(120),
  hypothesis: z.string().min(1),
  /** Runbook page (dashboards/runbooks/<name>.md) the drill exercises. */
  runbook: z.string().regex(/^[a-z0-9-]+$/).optional(),
  blast_radius: BlastRadius,
  /** Drill alerts do not page unless the scenario says so. */
  pages: z.boolean().default(false),
  steps: z.array(ScenarioStep).min(1),
  guardrails: z.array(Guardrail).default([]),
  expectations: z.array(Expectation).default([]),
  /** What this scenario cannot show on its own (e.g. it needs traffic of some kind). */
  limits: z.string().optional(),
}).strict()

const key = (x: { type: string; slo?: string; alert?: string; vendor?: string; user_group?: string; event?: string }) =>
  [x.type, x.slo ?? x.alert ?? x.vendor ?? x.user_group ?? x.event].filter(Boolean).join('-').replace(/[^a-z0-9-]/g, '-').slice(0, 64)

/** Internal rules of one file: step ids unique, steps inside the blast radius, kind-specific fields. Ids of guardrails and expectations default from their type. */
export const ScenarioFile = ScenarioBase.superRefine((s, ctx) => {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message })
  const ids = new Set<string>()
  const br = s.blast_radius
  s.steps.forEach((st, i) => {
    if (ids.has(st.id)) issue(['steps', i, 'id'], `duplicate step id "${st.id}"`)
    ids.add(st.id)
    if (st.duration > MAX_FAULT_SECONDS - 60) issue(['steps', i, 'duration'], `got ${st.duration} s, expected at most ${MAX_FAULT_SECONDS - 60} s (the IdP's longest fault less the revert margin)`)
    if (!br.regions.includes('*') && !br.regions.includes(st.region)) issue(['steps', i, 'region'], `got ${st.region}, outside the blast radius regions ${br.regions.join(', ')}`)
    if (st.target === 'idp') {
      if (st.fault !== 'idp_unavailable' && !st.vendor) issue(['steps', i, 'vendor'], `required for fault ${st.fault}`)
      if (st.fault === 'idp_unavailable' && st.vendor) issue(['steps', i, 'vendor'], 'idp_unavailable takes no vendor')
      if (st.fault === 'latency' && st.latency_ms === undefined) issue(['steps', i, 'latency_ms'], 'required for fault latency')
      if (st.share > br.share) issue(['steps', i, 'share'], `got ${st.share}, above the blast radius share ${br.share}`)
      if (br.synthetic_only && st.scope.synthetic_only === false) issue(['steps', i, 'scope', 'synthetic_only'], 'the blast radius is synthetic_only')
      if (br.user_groups && st.scope.user_group && !br.user_groups.includes(st.scope.user_group)) issue(['steps', i, 'scope', 'user_group'], `got ${st.scope.user_group}, outside the blast radius groups ${br.user_groups.join(', ')}`)
    }
    if (st.target === 'simulator') {
      if (st.fault === 'error_rate' && st.share === undefined) issue(['steps', i, 'share'], 'required for fault error_rate')
      if (st.fault === 'latency' && st.latency_ms === undefined) issue(['steps', i, 'latency_ms'], 'required for fault latency')
      if (st.share !== undefined && st.share > br.share) issue(['steps', i, 'share'], `got ${st.share}, above the blast radius share ${br.share}`)
    }
    if (st.target === 'runbook') {
      if (st.action === 'drain_vendor' && !st.vendor) issue(['steps', i, 'vendor'], 'required for drain_vendor')
      if (st.action === 'promote_fallback' && !st.factor) issue(['steps', i, 'factor'], 'required for promote_fallback')
    }
  })
  for (const [list, name] of [[s.guardrails, 'guardrails'], [s.expectations, 'expectations']] as const) {
    const seen = new Set<string>()
    list.forEach((x, i) => {
      const id = x.id ?? key(x as never)
      if (seen.has(id)) issue([name, i, 'id'], `duplicate id "${id}"; give each an id`)
      seen.add(id)
    })
  }
}).transform((s) => ({
  ...s,
  guardrails: s.guardrails.map((g) => ({ ...g, id: g.id ?? key(g) }) as Guardrail),
  expectations: s.expectations.map((e) => ({ ...e, id: e.id ?? key(e as never) }) as Expectation),
}))
export type Scenario = z.output<typeof ScenarioFile>

/** What a scenario may refer to outside its file. */
export interface ScenarioRefs {
  /** SLO ids: slos.yaml plus the generated vendor-<vendor>-<channel> SLOs. */
  slos: ReadonlySet<string>
  /** Threshold rule ids of alerts.yaml. */
  alerts: ReadonlySet<string>
  /** Registry vendors (dashboards/subprocessors.yaml) with their channels and regions. */
  vendors: ReadonlyMap<string, { channels: readonly string[]; regions: readonly string[] }>
}

/** The ids scenarios may name, from the rule files and the registry (paths default to dashboards/). */
export function loadScenarioRefs(paths: { slos?: string; alerts?: string; registry?: string } = {}): ScenarioRefs {
  const slos = loadYamlFile(SlosFile, paths.slos ?? dashboardsPath('slos.yaml'))
  const alerts = loadYamlFile(AlertsFile, paths.alerts ?? dashboardsPath('alerts.yaml'))
  const registry = loadRegistry(paths.registry ?? dashboardsPath('subprocessors.yaml'))
  const vendorSlos = slos.vendor_slos ? registry.vendors.flatMap((v) => v.channels.map((c) => `vendor-${v.id}-${c}`)) : []
  return {
    slos: new Set([...slos.slos.map((x) => x.id), ...vendorSlos]),
    alerts: new Set(alerts.thresholds.map((t) => t.id)),
    vendors: new Map(registry.vendors.map((v) => [v.id, { channels: v.channels, regions: v.regions }])),
  }
}

/** Cross-file checks; each problem is [path, reason]. */
export function crossCheck(s: Scenario, refs: ScenarioRefs): Array<[PropertyKey[], string]> {
  const out: Array<[PropertyKey[], string]> = []
  const vendorIds = [...refs.vendors.keys()].join(', ')
  const vendor = (path: PropertyKey[], id: string | undefined, channel?: string, region?: string) => {
    if (id === undefined) return
    const v = refs.vendors.get(id)
    if (!v) return void out.push([path, `unknown vendor "${id}"; registry vendors: ${vendorIds}`])
    if (channel && channel !== '*' && !v.channels.includes(channel)) out.push([path, `vendor "${id}" does not serve channel ${channel} (it serves ${v.channels.join(', ')})`])
    if (region && region !== '*' && !v.regions.includes(region)) out.push([path, `vendor "${id}" does not serve region ${region} (it serves ${v.regions.join(', ')})`])
  }
  s.steps.forEach((st, i) => vendor(['steps', i, 'vendor'], st.vendor, 'channel' in st ? st.channel : undefined, st.region))
  s.guardrails.forEach((g, i) => {
    if (g.type === 'slo_burn' && !refs.slos.has(g.slo)) out.push([['guardrails', i, 'slo'], `unknown SLO "${g.slo}"; known: ${[...refs.slos].join(', ')}`])
  })
  s.expectations.forEach((e, i) => {
    if (e.type === 'alert_fires' && e.alert && !refs.alerts.has(e.alert)) out.push([['expectations', i, 'alert'], `unknown alert rule "${e.alert}"; alerts.yaml has ${[...refs.alerts].join(', ')}`])
    if (e.type === 'alert_fires' && e.slo && !refs.slos.has(e.slo)) out.push([['expectations', i, 'slo'], `unknown SLO "${e.slo}"`])
    if (e.type === 'fallback_share') {
      vendor(['expectations', i, 'from', 'vendor'], e.from.vendor)
      vendor(['expectations', i, 'to', 'vendor'], e.to.vendor)
    }
    if (e.type === 'breaker_opens') vendor(['expectations', i, 'vendor'], e.vendor)
  })
  return out
}

/** Read and check one scenario file; throws RulesFileError naming the file, the path in it and the reason. */
export function loadScenarioFile(path: string, refs: ScenarioRefs): Scenario {
  const s = loadYamlFile(ScenarioFile, path)
  const source = displayPath(path)
  const problems = crossCheck(s, refs)
  if (basename(path).replace(/\.ya?ml$/, '') !== s.id) problems.unshift([['id'], `got "${s.id}", expected the file name "${basename(path).replace(/\.ya?ml$/, '')}"`])
  if (problems.length > 0) throw new RulesFileError(problems.slice(0, 5).map(([p, m]) => `${source}: ${formatPath(p)}: ${m}`).join('\n'))
  return s
}

/** Every *.yaml of a directory, sorted by id; the first bad file stops the load. */
export function loadScenarios(dir: string, refs: ScenarioRefs): Scenario[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
  } catch (err) {
    throw new RulesFileError(`${displayPath(dir)}: cannot read scenario directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return files.map((f) => loadScenarioFile(join(dir, f), refs))
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`
/** "90 s", "5 min", "1 h 30 min" */
export function humanSeconds(s: number): string {
  if (s < 120 && s % 60 !== 0) return `${s} s`
  if (s < 3600) return `${Math.round(s / 60)} min`
  const m = Math.round((s % 3600) / 60)
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`
}

/** The end of the last step, in seconds from the start. */
export const scenarioSeconds = (s: Pick<Scenario, 'steps'>) => Math.max(...s.steps.map((st) => st.start + st.duration))

/** One sentence for the confirmation dialog. */
export function blastRadiusText(s: Scenario): string {
  const br = s.blast_radius
  const who = `${br.synthetic_only ? 'synthetic ' : ''}${br.user_groups ? br.user_groups.join(' and ') : 'all'} users`
  const where = br.regions.includes('*') ? 'in every region' : `in ${br.regions.join(' and ')}`
  const targets = [...new Set(s.steps.map((st) => (st.target === 'runbook' ? `${st.action.replace('_', ' ')}${st.vendor ? ` ${st.vendor}` : ''}${st.factor ? ` ${st.factor}` : ''}` : `${st.target === 'idp' ? 'IdP' : 'simulator'} ${st.fault.replace('_', ' ')}${st.vendor ? ` ${st.vendor}` : ''}`)))]
  return `Touches up to ${pct(br.share)} of ${who} ${where} for ${humanSeconds(scenarioSeconds(s))} (${targets.join(', ')}); ${br.synthetic_only ? 'real users are not touched' : 'real users are included'}, and drill alerts ${s.pages ? 'page on-call' : 'do not page'}.`
}

/** "idp error twilio sms eu-west 100 % for 5 min" */
export function stepSummary(st: ScenarioStep): string {
  const where = [st.vendor, 'channel' in st && st.channel !== '*' ? st.channel : undefined, st.region !== '*' ? st.region : undefined].filter(Boolean).join(' ')
  if (st.target === 'runbook') return `runbook ${st.action}${where ? ` ${where}` : ''}${st.factor ? ` ${st.factor}${st.instead_of ? ` instead of ${st.instead_of}` : ''}` : ''} for ${humanSeconds(st.duration)}`
  const share = st.share !== undefined ? ` ${pct(st.share)}` : ''
  const extra = st.latency_ms !== undefined ? ` +${st.latency_ms} ms` : ''
  const scope = st.target === 'idp' && (st.scope.user_group || st.scope.synthetic_only) ? ` (${[st.scope.synthetic_only ? 'synthetic' : '', st.scope.user_group ?? ''].filter(Boolean).join(' ')} users)` : ''
  return `${st.target} ${st.fault}${where ? ` ${where}` : ''}${share}${extra}${scope} for ${humanSeconds(st.duration)}`
}

/** GET /api/v1/gamedays/scenarios: the shape lives in contract/gameday.ts (the console bundles the contract, not this loader). */
export { ScenarioList, ScenarioSummary }

export function scenarioSummary(s: Scenario): ScenarioSummary {
  return {
    id: s.id, name: s.name, hypothesis: s.hypothesis.trim(), blast_radius: blastRadiusText(s), pages: s.pages, duration_seconds: scenarioSeconds(s),
    runbook: s.runbook ?? null, limits: s.limits?.trim() ?? null,
    steps: s.steps.map((st) => ({ id: st.id, target: st.target, summary: stepSummary(st), start_seconds: st.start, duration_seconds: st.duration })),
    guardrails: s.guardrails.map((g) => ({ id: g.id, type: g.type })),
    expectations: s.expectations.map((e) => ({ id: e.id, type: e.type })),
    unavailable: null,
  }
}
