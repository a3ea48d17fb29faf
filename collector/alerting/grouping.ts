import type { AlertState, Severity } from '../../contract'

export interface GroupInput { id: string; state: AlertState; severity: Severity; labels: Readonly<Record<string, string>>; value: number | null; providerSensitive: boolean }
export interface Grouping { group: string | null; groupedUnder: string | null; grouped: string[] }

const live = (s: AlertState) => s === 'firing' || s === 'pending'
const rank = (a: GroupInput) => (a.state === 'firing' ? 0 : 1) * 10 + (a.severity === 'page' ? 0 : 1)

/**
 * Root-cause grouping: every live alert that names a vendor belongs to `vendor:<id>`; live
 * alerts of SLOs that providers affect (fallback, provider impact) join the vendor group while
 * one is live (the most burning vendor if several). The root of a group is its firing page
 * (else firing ticket, else pending) alert with the highest value, and stays so while it
 * fires; the others are linked to it
 * and not notified on their own.
 */
export function groupByRootCause(alerts: readonly GroupInput[], previousRoots: ReadonlySet<string> = new Set()): Map<string, Grouping> {
  const out = new Map<string, Grouping>(alerts.map((a) => [a.id, { group: null, groupedUnder: null, grouped: [] }]))
  const members = new Map<string, GroupInput[]>()
  for (const a of alerts) if (live(a.state) && a.labels.vendor) (members.get(`vendor:${a.labels.vendor}`) ?? members.set(`vendor:${a.labels.vendor}`, []).get(`vendor:${a.labels.vendor}`)!).push(a)
  if (members.size > 0) {
    const strongest = [...members.entries()].sort((x, y) => Math.max(...y[1].map((a) => a.value ?? 0)) - Math.max(...x[1].map((a) => a.value ?? 0)))[0][0]
    for (const a of alerts) if (live(a.state) && !a.labels.vendor && a.providerSensitive) members.get(strongest)!.push(a)
  }
  for (const [group, list] of members) {
    // A root stays the root while it fires, so one outage is one notification from start to end.
    const sticky = (a: GroupInput) => (a.state === 'firing' && previousRoots.has(a.id) ? 0 : 1)
    const root = [...list].sort((a, b) => sticky(a) - sticky(b) || rank(a) - rank(b) || (b.value ?? 0) - (a.value ?? 0) || a.id.localeCompare(b.id))[0]
    for (const a of list) {
      const g = out.get(a.id)!
      g.group = group
      if (a.id !== root.id) g.groupedUnder = root.id
    }
    out.get(root.id)!.grouped = list.filter((a) => a.id !== root.id).map((a) => a.id).sort()
  }
  return out
}
