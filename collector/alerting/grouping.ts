import type { AlertState, Severity } from '../../contract'

export interface GroupInput { id: string; state: AlertState; severity: Severity; labels: Readonly<Record<string, string>>; value: number | null; providerSensitive: boolean }
export interface Grouping { group: string | null; groupedUnder: string | null; grouped: string[] }

const live = (s: AlertState) => s === 'firing' || s === 'pending'
const rank = (a: GroupInput) => (a.state === 'firing' ? 0 : 1) * 10 + (a.severity === 'page' ? 0 : 1)

/**
 * Root-cause grouping: every live alert that names a vendor belongs to `vendor:<id>`; live
 * alerts of SLOs that providers affect (fallback, provider impact) join the vendor group while
 * one is live (the most burning vendor if several). The root of a group is its firing page
 * (else firing ticket, else pending) alert, one that names the vendor before one that does not,
 * then the highest value. It stays the root while it fires, except that a root not naming the
 * vendor gives way to a firing alert of the same severity that does (the page then says which
 * vendor); the others are linked to it and not notified on their own.
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
    const namesVendor = (a: GroupInput) => (a.labels.vendor ? 0 : 1)
    const outnamed = (a: GroupInput) => !a.labels.vendor && list.some((x) => x.labels.vendor && x.state === 'firing' && x.severity === a.severity)
    const sticky = (a: GroupInput) => (a.state === 'firing' && previousRoots.has(a.id) && !outnamed(a) ? 0 : 1)
    const root = [...list].sort((a, b) => sticky(a) - sticky(b) || rank(a) - rank(b) || namesVendor(a) - namesVendor(b) || (b.value ?? 0) - (a.value ?? 0) || a.id.localeCompare(b.id))[0]
    for (const a of list) {
      const g = out.get(a.id)!
      g.group = group
      if (a.id !== root.id) g.groupedUnder = root.id
    }
    out.get(root.id)!.grouped = list.filter((a) => a.id !== root.id).map((a) => a.id).sort()
  }
  return out
}
