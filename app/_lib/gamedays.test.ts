import { describe, expect, it } from 'vitest'
import { loadAnnotations } from './annotations'
import { ConsoleError } from './collector-client'
import { abortGameDay, checkGameDayId, loadGameDay, loadReportFile, reportFormat, startGameDay, startRequest } from './gamedays'

/** A collector stand-in at the fetch seam: answers by path, records what was asked. */
function collector(routes: Record<string, (init: RequestInit) => [number, unknown]>) {
  const calls: { method: string; path: string; body?: string }[] = []
  const fetch = (async (input: URL | RequestInfo, init: RequestInit = {}) => {
    const url = new URL(String(input))
    calls.push({ method: init.method ?? 'GET', path: url.pathname + url.search, body: init.body as string | undefined })
    const route = routes[`${init.method ?? 'GET'} ${url.pathname}`]
    if (!route) return new Response(JSON.stringify({ error: { code: 'not_found', message: `no route ${url.pathname}` } }), { status: 404 })
    const [status, body] = route(init)
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })
  }) as typeof globalThis.fetch
  return { deps: { baseUrl: 'http://collector.test', fetch }, calls }
}

const err = (code: string, message: string) => ({ error: { code, message } })
const rejects = async (p: Promise<unknown>) => {
  try {
    await p
  } catch (e) {
    if (e instanceof ConsoleError) return e
    throw e
  }
  throw new Error('expected a ConsoleError')
}
const NOW = new Date('2026-12-06T10:00:00Z')

describe('starting and aborting game days through the console', () => {
  it('a bad start request is a 400 naming the field and never reaches the collector', async () => {
    const c = collector({})
    for (const [body, field] of [[{}, 'scenario'], [{ scenario: 'SMS!' }, 'scenario'], [{ scenario: 'sms', dryRun: 'yes' }, 'dryRun'], [{ scenario: 'sms', extra: 1 }, 'body']] as const) {
      const e = await rejects(startGameDay(body, c.deps))
      expect([e.status, e.parameter ?? 'body']).toEqual([400, field])
    }
    expect(c.calls).toEqual([])
    expect(startRequest({ scenario: 'sms-primary-outage' })).toEqual({ scenario: 'sms-primary-outage', dryRun: false })
  })

  it('forwards {scenario, dryRun} and answers the id', async () => {
    const c = collector({ 'POST /api/v1/gamedays': () => [201, { id: 'gd-7', state: 'running' }] })
    expect(await startGameDay({ scenario: 'sms-primary-outage', dryRun: true }, c.deps)).toEqual({ id: 'gd-7' })
    expect(JSON.parse(c.calls[0].body!)).toEqual({ scenario: 'sms-primary-outage', dryRun: true })
  })

  it.each([
    [409, 'conflict', 'game day gd-1 is running: one drill at a time'],
    [503, 'collector_busy', 'game days that touch the IdP need COLLECTOR_IDP_URL set on the collector'],
    [404, 'not_found', 'no scenario "nope"'],
  ])('the collector answering %i keeps its status and message', async (status, code, message) => {
    const c = collector({ 'POST /api/v1/gamedays': () => [status, err('x', message)] })
    const e = await rejects(startGameDay({ scenario: 'nope' }, c.deps))
    expect([e.status, e.code, e.message]).toEqual([status, code, `collector: ${message}`])
  })

  it('abort posts to the id, which is checked first', async () => {
    const c = collector({ 'POST /api/v1/gamedays/gd-7/abort': () => [200, { id: 'gd-7', state: 'aborted' }] })
    expect(await abortGameDay('gd-7', c.deps)).toEqual({ id: 'gd-7', state: 'aborted' })
    expect((await rejects(abortGameDay('../slos', c.deps))).status).toBe(400)
    expect(() => checkGameDayId('a/b')).toThrow(/invalid game day id/)
    expect(c.calls.map((x) => x.path)).toEqual(['/api/v1/gamedays/gd-7/abort'])
  })
})

describe('reading one game day and its report', () => {
  it('a missing game day is a 404; an SLO read that fails leaves the drill on screen with the reason', async () => {
    const c = collector({ 'GET /api/v1/slos': () => [500, err('internal', 'engine down')] })
    expect((await rejects(loadGameDay('gd-404', c.deps, NOW))).status).toBe(404)
    const gd = { id: 'gd-1', scenario: 's', name: 'S', state: 'running', dry_run: false, blast_radius: 'b', created_at: NOW.toISOString(), starts_at: NOW.toISOString(), ends_at: NOW.toISOString(), started_at: NOW.toISOString(), ended_at: null, end_reason: null, steps: [], guardrails: [], report: null }
    const c2 = collector({ 'GET /api/v1/gamedays/gd-1': () => [200, gd], 'GET /api/v1/slos': () => [500, err('internal', 'engine down')] })
    const v = await loadGameDay('gd-1', c2.deps, NOW)
    expect(v.gameday.id).toBe('gd-1')
    expect(v.sloBurn).toBeNull()
    expect(v.sloError).toContain('engine down')
  })

  it('report downloads: Markdown as written, JSON checked, any other format refused', async () => {
    const c = collector({ 'GET /api/v1/gamedays/gd-1/report.md': () => [200, '# Report\n'], 'GET /api/v1/gamedays/gd-1/report.json': () => [200, { hypothesis: 'h' }] })
    expect(await loadReportFile('gd-1', 'md', c.deps)).toEqual({ body: '# Report\n', type: 'text/markdown; charset=utf-8', filename: 'factorwatch-gameday-gd-1.md' })
    const bad = await rejects(loadReportFile('gd-1', 'json', c.deps))
    expect([bad.status, bad.code]).toEqual([502, 'collector_bad_response'])
    expect(() => reportFormat('pdf')).toThrow(/expected md or json/)
    expect(reportFormat(null)).toBe('md')
  })
})

describe('annotations for the charts', () => {
  const q = (s: string) => new URLSearchParams(s)
  it('an older collector without the endpoint gives no bands and no error', async () => {
    const c = collector({})
    expect(await loadAnnotations(q('from=2026-12-06T09:00:00Z&to=2026-12-06T10:00:00Z'), c.deps, NOW)).toEqual({ generatedAt: NOW.toISOString(), annotations: [], supported: false })
  })

  it('passes the range on and returns the drills', async () => {
    const a = { gameday_id: 'gd-1', scenario: 's', name: 'SMS outage', start: '2026-12-06T09:30:00.000Z', end: null, state: 'running' }
    const c = collector({ 'GET /api/v1/annotations': () => [200, { annotations: [a] }] })
    const v = await loadAnnotations(q('from=2026-12-06T09:00:00Z&to=2026-12-06T10:00:00Z'), c.deps, NOW)
    expect(v.annotations).toEqual([a])
    expect(c.calls[0].path).toBe('/api/v1/annotations?from=2026-12-06T09%3A00%3A00.000Z&to=2026-12-06T10%3A00%3A00.000Z')
  })

  it.each([
    ['to=2026-12-06T10:00:00Z', 'from'],
    ['from=yesterday&to=2026-12-06T10:00:00Z', 'from'],
    ['from=2026-12-06T10:00:00Z&to=2026-12-06T09:00:00Z', 'to'],
  ])('%s is a 400 naming %s', async (query, field) => {
    const e = await rejects(loadAnnotations(q(query), collector({}).deps, NOW))
    expect([e.status, e.parameter]).toEqual([400, field])
  })

  it('a collector failing otherwise is an error (the chart just draws no band)', async () => {
    const c = collector({ 'GET /api/v1/annotations': () => [500, err('internal', 'boom')] })
    expect((await rejects(loadAnnotations(q('from=2026-12-06T09:00:00Z&to=2026-12-06T10:00:00Z'), c.deps, NOW))).status).toBe(502)
  })
})
