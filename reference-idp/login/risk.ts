import { readFileSync } from 'node:fs'
import { BlockList, isIPv4 } from 'node:net'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { Factor, RISK_SIGNALS, type RiskLevel } from '../../contract'

const Signal = z.enum(RISK_SIGNALS)
export type Signal = z.infer<typeof Signal>
const Rule = z.object({
  trustedDeviceSkip: z.boolean(),
  factors: z.array(Factor).min(1),
  /** Whether an account with no second factor may sign in with its password alone at this level. */
  passwordOnly: z.enum(['allow', 'deny'], 'expected allow or deny').default('allow'),
})
const Cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected an address range such as 203.0.113.0/24')

export const RiskPolicy = z.object({
  version: z.literal(1),
  signals: z.record(Signal, z.number().int().min(0).max(1000)),
  levels: z.object({ high: z.number().int().min(1), medium: z.number().int().min(1) }).refine((l) => l.high > l.medium, 'levels.high must be above levels.medium'),
  impossibleTravelMinutes: z.number().int().min(1),
  recentLogins: z.number().int().min(1).max(1000),
  knownBadIps: z.array(Cidr).default([]),
  rules: z.object({ low: Rule, medium: Rule, high: Rule }),
})
export type RiskPolicy = z.infer<typeof RiskPolicy>

export const DEFAULT_RISK_POLICY_PATH = new URL('../policy/risk-policy.yaml', import.meta.url).pathname

export function loadRiskPolicy(path = DEFAULT_RISK_POLICY_PATH): RiskPolicy {
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new Error(`${path}: cannot read risk policy: ${(e as Error).message.split('\n')[0]}`)
  }
  const r = RiskPolicy.safeParse(raw)
  if (!r.success) throw new Error(`${path}: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`)
  return r.data
}

export function blockList(p: RiskPolicy): BlockList {
  const list = new BlockList()
  for (const cidr of p.knownBadIps) {
    const [net, bits] = cidr.split('/')
    list.addSubnet(net, Number(bits), isIPv4(net) ? 'ipv4' : 'ipv6')
  }
  return list
}

export interface RiskInput {
  deviceKnown: boolean
  country?: string
  ip?: string
  /** This user's recent successful sign-ins, newest first. */
  recent: { at: Date; country: string | null }[]
  now: Date
}

export interface RiskAssessment { level: RiskLevel; score: number; signals: Signal[]; trustedDeviceSkip: boolean; factors: readonly Factor[]; passwordOnly: 'allow' | 'deny' }

/** Score the signals of a sign-in and apply the policy's rule for the resulting level. Pure. */
export function assessRisk(i: RiskInput, p: RiskPolicy, bad: BlockList): RiskAssessment {
  const signals: Signal[] = []
  // A first-ever sign-in has nothing to compare with: only the block list can speak then.
  if (i.recent.length > 0) {
    if (!i.deviceKnown) signals.push('new_device')
    const countries = new Set(i.recent.map((r) => r.country).filter(Boolean))
    if (i.country && !countries.has(i.country)) signals.push('new_country')
    const last = i.recent[0]
    if (i.country && last.country && last.country !== i.country && i.now.getTime() - last.at.getTime() < p.impossibleTravelMinutes * 60_000) signals.push('impossible_travel')
  }
  if (i.ip && bad.check(i.ip, isIPv4(i.ip) ? 'ipv4' : 'ipv6')) signals.push('known_bad_ip')
  const score = signals.reduce((s, x) => s + (p.signals[x] ?? 0), 0)
  const level: RiskLevel = score >= p.levels.high ? 'high' : score >= p.levels.medium ? 'medium' : 'low'
  return { level, score, signals, ...p.rules[level] }
}
