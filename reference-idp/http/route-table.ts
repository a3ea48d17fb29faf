import type { Route, RouteSpec, RouteTable } from './types'

/** A route file's table: its routes' facts by name, checked as RouteSpecs, their exact types kept. */
export const routeTable = <T extends Record<string, RouteSpec>>(table: T): T => table

/** A mounted route: its facts from the table and the handler that serves it. */
export const route = (spec: RouteSpec, handler: Route['handler']): Route => ({ ...spec, handler })

/** Every route listed in these tables, in order. */
export const specsOf = (tables: readonly RouteTable[]): RouteSpec[] => tables.flatMap((t) => Object.values(t))

/** Throws when two mounted routes share a method and path (the second would silently win). */
export function assertUnique(routes: readonly RouteSpec[]): void {
  const seen = new Set<string>()
  const twice = routes.map((r) => `${r.method} ${r.path}`).filter((k) => seen.size === seen.add(k).size)
  if (twice.length) throw new Error(`routes mounted twice: ${twice.join(', ')}`)
}
