import type { Samples } from './evaluate'
import type { CycleInput } from './collect'
import type { Rule, RuleSet } from './types'

/** One alert: a rule, or one split of a threshold rule (per vendor, user group, service). */
export interface Instance { id: string; rule: Rule; labels: Record<string, string>; samples: Samples }

/**
 * Every alert of the rule set with the samples it is judged on this cycle. `known` lists
 * alert ids remembered from earlier cycles: a split that vanished from the data (a producer
 * that stopped) is still evaluated, with no data.
 */
export function instancesFor(set: RuleSet, index: ReadonlyMap<string, number>, input: CycleInput, known: Iterable<string> = []): Instance[] {
  const out: Instance[] = []
  const minVolume = new Map(set.slos.map((s) => [s.id, s.minVolume]))
  const knownIds = [...known]
  for (const rule of set.rules) {
    const c = rule.condition
    const labels = { alertname: rule.alertname, severity: rule.severity, ...rule.labels }
    if (c.type === 'burn') {
      const i = index.get(c.slo)!
      const g = c.userGroup ?? '*'
      out.push({ id: rule.id, rule, labels, samples: { type: 'burn', long: input.windows[c.long]?.[g]?.[i] ?? null, short: input.windows[c.short]?.[g]?.[i] ?? null, minVolume: minVolume.get(c.slo) ?? 0 } })
    } else if (c.type === 'spend') {
      const i = index.get(c.slo)!
      out.push({ id: rule.id, rule, labels, samples: { type: 'spend', spent: input.windows[c.window]?.['*']?.[i] ?? null, short: input.windows[c.short]?.['*']?.[i] ?? null, window: input.sloWindow['*']?.[i] ?? null, minVolume: minVolume.get(c.slo) ?? 0 } })
    } else {
      const values = input.thresholds[rule.id] ?? {}
      if (rule.splitBy === null) {
        out.push({ id: rule.id, rule, labels, samples: { type: 'value', value: values[''] ?? null } })
        continue
      }
      const keys = new Set(Object.keys(values))
      for (const id of knownIds) if (id.startsWith(`${rule.id}:`)) keys.add(id.slice(rule.id.length + 1))
      for (const key of [...keys].sort()) {
        out.push({ id: `${rule.id}:${key}`, rule, labels: { ...labels, [rule.splitBy]: key }, samples: { type: 'value', value: values[key] ?? null } })
      }
    }
  }
  return out
}
