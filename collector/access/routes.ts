import { AUDIT_ACTION_PATTERN, PERMISSIONS } from '../../contract/access'

/** The one route that needs nothing: liveness for load balancers and orchestrators. */
export const PUBLIC_PATHS: readonly string[] = ['/healthz']

interface RouteFacts { method: string; path: string; permission?: unknown; action?: string; consoleOnly?: boolean }

/**
 * Problems of a route table: a route without a declared permission, `public` on any route but
 * /healthz, a control route (non-GET) without an audit verb, a bad verb, a method + path
 * mounted twice. The collector refuses to start with any (collector/main.ts).
 */
export function routeTableProblems(routes: readonly RouteFacts[]): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  for (const r of routes) {
    const name = `${r.method} ${r.path}`
    if (seen.has(name)) problems.push(`${name} is mounted twice`)
    seen.add(name)
    if (r.permission === 'public') {
      if (!PUBLIC_PATHS.includes(r.path)) problems.push(`${name} is declared public; only ${PUBLIC_PATHS.join(', ')} may be`)
    } else if (!(PERMISSIONS as readonly unknown[]).includes(r.permission)) {
      problems.push(`${name} declares no permission (got ${JSON.stringify(r.permission) ?? 'nothing'}, expected one of ${PERMISSIONS.join(', ')} or public)`)
    }
    if (r.method !== 'GET' && r.action === undefined) problems.push(`${name} is a control route without an audit action`)
    if (r.action !== undefined && !AUDIT_ACTION_PATTERN.test(r.action)) problems.push(`${name}: audit action "${r.action}" is not a dotted lower-case verb`)
  }
  return problems
}

/** A route's audit verb: its declared one, else `<path words>.read` (a refused GET). */
export function auditAction(route: { method: string; path: string; action?: string }): string {
  if (route.action) return route.action
  const words = route.path.replace(/^\/api\/v1\//, '/').split('/').filter((s) => s !== '' && !s.startsWith('{')).map((s) => s.replace(/[^a-z0-9_]+/gi, '_').toLowerCase())
  const verb = route.method === 'GET' ? 'read' : route.method.toLowerCase()
  return `${words.join('.') || 'api'}.${verb}`.slice(0, 80)
}

/** The values of a route's `{param}` segments in `url` (`/api/v1/silences/{id}` → the id), joined by `/`. */
export function auditTarget(template: string, url: URL): string {
  const want = template.split('/')
  const got = url.pathname.split('/')
  if (want.length !== got.length) return ''
  const values: string[] = []
  want.forEach((w, i) => {
    if (!w.startsWith('{')) return
    try {
      values.push(decodeURIComponent(got[i]))
    } catch {
      values.push(got[i])
    }
  })
  return values.join('/').slice(0, 256)
}

/** Whether a bind address only accepts local connections. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1'
}

/** The one start-up warning of a collector reachable beyond this host without tokens, or undefined. */
export function exposureWarning(host: string, apiTokens: number, ingestTokens: number): string | undefined {
  if (isLoopback(host)) return undefined
  const open = [
    apiTokens === 0 ? 'COLLECTOR_API_TOKENS: the query and control API is open to anyone who can reach it' : '',
    ingestTokens === 0 ? 'COLLECTOR_INGEST_TOKENS: anyone who can reach the OTLP port can send telemetry' : '',
  ].filter(Boolean)
  return open.length ? `WARNING: listening on ${host} (not loopback) without ${open.join(', and without ')}` : undefined
}
