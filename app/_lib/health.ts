import type { CollectorDeps } from './collector-client'
import type { Health } from './console-api'

const HEALTH_TIMEOUT_MS = 3000

/** Ask the collector's /healthz; any 2xx is "up". Never throws: a down collector is a status. */
export async function checkCollector(deps: CollectorDeps, clock: () => number = () => performance.now()): Promise<Health> {
  const doFetch = deps.fetch ?? fetch
  const timeoutMs = deps.timeoutMs ?? HEALTH_TIMEOUT_MS
  const t0 = clock()
  try {
    const res = await doFetch(new URL('/healthz', deps.baseUrl), { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store', ...(deps.headers ? { headers: deps.headers } : {}) })
    const latencyMs = Math.round(clock() - t0)
    await res.body?.cancel().catch(() => {})
    if (res.ok) return { status: 'up', collectorUrl: deps.baseUrl, latencyMs, message: `collector healthy at ${deps.baseUrl}` }
    return { status: 'down', collectorUrl: deps.baseUrl, latencyMs, message: `collector at ${deps.baseUrl} answered /healthz with HTTP ${res.status}` }
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } }
    const message =
      e?.name === 'TimeoutError'
        ? `collector at ${deps.baseUrl} did not answer /healthz within ${timeoutMs / 1000} s`
        : `collector unreachable at ${deps.baseUrl}${e?.cause?.code ? ` (${e.cause.code})` : ''}`
    return { status: 'down', collectorUrl: deps.baseUrl, latencyMs: null, message }
  }
}
