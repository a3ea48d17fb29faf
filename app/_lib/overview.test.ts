import { describe, expect, it } from 'vitest'
import { ConsoleError } from './collector-client'
import { checkCollector } from './health'
import { loadOverview, orderOutcomes } from './overview'

const now = new Date('2025-03-10T12:00:00Z')
const T0 = Date.parse('2025-03-10T11:00:00Z')
const METRICS = {
  window: { from: '2025-03-10T11:00:00Z', to: '2025-03-10T12:00:00Z', step: 30 },
  M1: { value: 0.975, series: [[T0, 0.98], [T0 + 30_000, null]] },
  M2: { value: { p50: 420, p95: 1840, p99: 3100 }, series: [[T0, 400, 1800, 3000]] },
}
const OUTCOMES = { totals: { failure: 3, success: 117, weird_new: 1 }, series: [[T0, { success: 10, failure: 1 }], [T0 + 30_000, { weird_new: 1 }]] }

/** A fetch that answers from a table of path → [status, body] and records URLs. */
function stubFetch(routes: Record<string, [number, unknown] | Error>) {
  const seen: URL[] = []
  const f = (async (input: string | URL | Request) => {
    const url = new URL(String(input))
    seen.push(url)
    const r = routes[url.pathname]
    if (!r) return new Response('not found', { status: 404 })
    if (r instanceof Error) throw r
    return new Response(typeof r[1] === 'string' ? r[1] : JSON.stringify(r[1]), { status: r[0], headers: { 'content-type': 'application/json' } })
  }) as typeof fetch
  return { f, seen }
}
const deps = (f: typeof fetch) => ({ baseUrl: 'http://collector.test:4320', fetch: f })

describe('loadOverview', () => {
  it('queries both endpoints with the resolved window and filters and builds the view', async () => {
    const { f, seen } = stubFetch({ '/api/v1/metrics': [200, METRICS], '/api/v1/outcomes': [200, OUTCOMES] })
    const o = await loadOverview(new URLSearchParams('range=1h&factor=totp&user_group=admin'), deps(f), now)
    const m = seen.find((u) => u.pathname === '/api/v1/metrics')!
    expect(Object.fromEntries(m.searchParams)).toEqual({
      ids: 'M1,M2',
      from: '2025-03-10T11:00:00.000Z',
      to: '2025-03-10T12:00:00.000Z',
      step: '30',
      factor: 'totp',
      user_group: 'admin',
    })
    expect(seen.find((u) => u.pathname === '/api/v1/outcomes')!.searchParams.get('factor')).toBe('totp')
    expect(o.successRate).toMatchObject({ value: 0.975, target: 0.995, met: false })
    expect(o.successRate.series).toEqual([{ t: T0, v: 0.98 }, { t: T0 + 30_000, v: null }])
    expect(o.latency).toMatchObject({ value: { p50: 420, p95: 1840, p99: 3100 }, met: true })
    expect(o.logins.total).toBe(121)
    expect(o.logins.outcomes).toEqual(['success', 'failure', 'weird_new'])
    expect(o.logins.series[1]).toEqual({ t: T0 + 30_000, success: 0, failure: 0, weird_new: 1 })
    expect(o.empty).toBe(false)
  })

  it('marks a window without data as empty', async () => {
    const { f } = stubFetch({
      '/api/v1/metrics': [200, { M1: { value: null, series: [] }, M2: { value: null, series: [] } }],
      '/api/v1/outcomes': [200, { totals: {}, series: [] }],
    })
    const o = await loadOverview(new URLSearchParams(''), deps(f), now)
    expect(o.empty).toBe(true)
    expect(o.successRate.met).toBeNull()
    expect(o.latency.met).toBeNull()
  })

  it.each([
    ['a bad range, before calling the collector', 'range=2h', {}, 400, 'invalid_parameter', /invalid range: got "2h"/],
    ['a refused connection', '', { '/api/v1/metrics': Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }) }, 502, 'collector_unreachable', /^collector unreachable at http:\/\/collector\.test:4320 \(ECONNREFUSED\)$/],
    ['a timeout', '', { '/api/v1/metrics': Object.assign(new Error('t'), { name: 'TimeoutError' }) }, 504, 'collector_timeout', /did not answer \/api\/v1\/metrics within 8 s/],
    ['a collector 400', '', { '/api/v1/metrics': [400, { error: { code: 'invalid_parameter', parameter: 'step', message: 'step too small' } }] }, 502, 'collector_rejected', /collector rejected \/api\/v1\/metrics \(HTTP 400, parameter step\): step too small/],
    ['a collector 500 without JSON', '', { '/api/v1/metrics': [500, 'boom'] }, 502, 'collector_error', /HTTP 500\): boom/],
    ['a wrong shape', '', { '/api/v1/metrics': [200, { M1: { value: '97%', series: [] }, M2: METRICS.M2 }] }, 502, 'collector_bad_response', /does not match the expected shape: M1\.value: /],
  ])('maps %s to a clear error', async (_name, q, routes, status, code, message) => {
    const { f, seen } = stubFetch({ '/api/v1/metrics': [200, METRICS], '/api/v1/outcomes': [200, OUTCOMES], ...routes } as Record<string, [number, unknown] | Error>)
    const err = await loadOverview(new URLSearchParams(q), deps(f), now).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConsoleError)
    const ce = err as ConsoleError
    expect([ce.status, ce.code]).toEqual([status, code])
    expect(ce.message).toMatch(message)
    if (status === 400) expect(seen).toHaveLength(0)
  })
})

describe('orderOutcomes', () => {
  it('puts known outcomes in their fixed order and unknown ones last, sorted', () => {
    expect(orderOutcomes(['zeta', 'error', 'success', 'alpha', 'failure'])).toEqual(['success', 'failure', 'error', 'alpha', 'zeta'])
  })
})

describe('checkCollector', () => {
  it('is up on a 2xx and down with a reason otherwise', async () => {
    const up = await checkCollector(deps(stubFetch({ '/healthz': [200, { ok: true }] }).f))
    expect(up).toMatchObject({ status: 'up', collectorUrl: 'http://collector.test:4320' })
    const sick = await checkCollector(deps(stubFetch({ '/healthz': [503, {}] }).f))
    expect(sick).toMatchObject({ status: 'down', message: 'collector at http://collector.test:4320 answered /healthz with HTTP 503' })
    const gone = await checkCollector(deps(stubFetch({ '/healthz': Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }) }).f))
    expect(gone).toMatchObject({ status: 'down', latencyMs: null, message: 'collector unreachable at http://collector.test:4320 (ECONNREFUSED)' })
  })
})
