import { AnnotationList } from '../../contract/gameday'
import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import type { AnnotationsView } from './gamedays-api'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/

function instant(params: URLSearchParams, key: 'from' | 'to'): string {
  const raw = params.get(key)
  if (raw === null) throw new ConsoleError('invalid_parameter', `missing ${key}: expected an ISO-8601 time such as 2026-12-06T10:00:00Z`, key)
  if (!ISO.test(raw) || Number.isNaN(Date.parse(raw))) throw new ConsoleError('invalid_parameter', `invalid ${key}: got "${raw.slice(0, 40)}", expected an ISO-8601 time such as 2026-12-06T10:00:00Z`, key)
  return new Date(raw).toISOString()
}

/** GET the collector's annotations for ?from&to; an older collector without the endpoint (404) gives none. */
export async function loadAnnotations(params: URLSearchParams, deps: CollectorDeps, now: Date): Promise<AnnotationsView> {
  const from = instant(params, 'from')
  const to = instant(params, 'to')
  if (Date.parse(from) >= Date.parse(to)) throw new ConsoleError('invalid_parameter', `invalid to: ${to} is not after from ${from}`, 'to')
  try {
    const res = await getFromCollector(deps, '/api/v1/annotations', { from, to }, AnnotationList)
    return { generatedAt: now.toISOString(), annotations: res.annotations, supported: true }
  } catch (err) {
    if (err instanceof ConsoleError && (err.upstreamStatus === 404 || err.upstreamStatus === 405)) return { generatedAt: now.toISOString(), annotations: [], supported: false }
    throw err
  }
}
