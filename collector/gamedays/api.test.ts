import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { loadScenarios, loadScenarioRefs } from '../../dashboards/schema/gameday'
import { dashboardsPath } from '../../dashboards/schema/yaml-file'
import { gameDayRoutes, missingSettings } from './api'
import { GameDayController } from './controller'
import type { RunRecord } from './types'

const scenarios = loadScenarios(dashboardsPath('gamedays'), loadScenarioRefs())
const T0 = Date.parse('2026-12-06T10:00:00.000Z')

/** The routes over a controller with in-memory seams; `call` hands a route a body as the server would. */
function routes(settings = { idpUrl: true, idpKey: true, simulatorUrl: true }) {
  const rows = new Map<string, RunRecord>()
  let n = 0
  const controller = new GameDayController({
    store: { save: async (r) => void rows.set(r.id, structuredClone(r)), change: async () => {}, load: async () => ({ runs: [], version: 0 }) },
    targets: { apply: async () => ({ remoteId: `r-${++n}`, request: null, status: 201 }), revert: async () => ({ status: 200 }) },
    readings: { guardrails: async () => [], report: async (s) => ({ hypothesis: s.hypothesis, timeline: [], time_to_detect_seconds: null, time_to_failover_seconds: null, budget_spent: [], affected: [], expectations: [], charts: [] }) },
    emit: async () => {}, scenarios: new Map(scenarios.map((s) => [s.id, s])), now: () => T0, newId: () => `gd-${++n}`,
  })
  const table = gameDayRoutes({ controller, scenarios, settings })
  const call = async (method: string, path: string, body?: string) => {
    const route = table.find((r) => r.method === method && new RegExp(`^${r.path.replace(/\{[a-z]+\}/g, '[^/]+')}$`).test(path) && !(r.path.includes('{') && table.some((x) => x !== r && x.method === method && x.path === path)))!
    const req = Readable.from(body === undefined ? [] : [Buffer.from(body)]) as unknown as IncomingMessage
    return route.handle(req, new URL(`http://q${path}`))
  }
  return { call, rows }
}

describe('game-day API routes', () => {
  it.each([
    ['not JSON', '{', 'body'],
    ['an unknown key', '{"scenario":"sms-primary-outage-eu-west","dryrun":true}', '(root)'],
    ['a bad scenario id', '{"scenario":"SMS!"}', 'scenario'],
    ['dryRun not a boolean', '{"scenario":"sms-primary-outage-eu-west","dryRun":"yes"}', 'dryRun'],
    ['start not a time', '{"scenario":"sms-primary-outage-eu-west","start":"tomorrow"}', 'start'],
    ['start in the past', '{"scenario":"sms-primary-outage-eu-west","start":"2026-12-01T00:00:00Z"}', 'start'],
  ])('400 naming the field for %s, and nothing stored', async (_w, body, parameter) => {
    const r = routes()
    const reply = await r.call('POST', '/api/v1/gamedays', body)
    expect(reply).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', parameter } } })
    expect(r.rows.size).toBe(0)
  })

  it('404 for an unknown scenario or game day; 409 for a second drill and for aborting an ended one', async () => {
    const r = routes()
    expect(await r.call('POST', '/api/v1/gamedays', '{"scenario":"no-such"}')).toMatchObject({ status: 404, body: { error: { parameter: 'scenario' } } })
    expect(await r.call('GET', '/api/v1/gamedays/gd-x')).toMatchObject({ status: 404 })
    expect(await r.call('POST', '/api/v1/gamedays/gd-x/abort')).toMatchObject({ status: 404 })
    const made = await r.call('POST', '/api/v1/gamedays', '{"scenario":"sms-primary-outage-eu-west"}')
    expect(made).toMatchObject({ status: 201, body: { state: 'running', scenario: 'sms-primary-outage-eu-west' } })
    const id = (made.body as { id: string }).id
    expect(made.body).not.toHaveProperty('vendors')
    expect(await r.call('POST', '/api/v1/gamedays', '{"scenario":"push-provider-outage"}')).toMatchObject({ status: 409 })
    expect(await r.call('GET', `/api/v1/gamedays/${id}/report.md`)).toMatchObject({ status: 409, body: { error: { code: 'no_report' } } })
    expect(await r.call('POST', `/api/v1/gamedays/${id}/abort`)).toMatchObject({ status: 200, body: { state: 'aborted', end_reason: 'aborted_manual' } })
    expect(await r.call('POST', `/api/v1/gamedays/${id}/abort`)).toMatchObject({ status: 409 })
    const md = await r.call('GET', `/api/v1/gamedays/${id}/report.md`)
    expect(md).toMatchObject({ status: 200, contentType: 'text/markdown; charset=utf-8' })
    expect(String(md.body)).toMatch(/^# Game day: SMS primary vendor outage in eu-west/)
    expect(await r.call('GET', '/api/v1/gamedays')).toMatchObject({ status: 200, body: { gamedays: [{ id, state: 'aborted' }] } })
  })

  it('503 naming the missing setting when a real drill needs it; a dry run and the lists still answer', async () => {
    const r = routes({ idpUrl: true, idpKey: false, simulatorUrl: false })
    expect(await r.call('POST', '/api/v1/gamedays', '{"scenario":"sms-primary-outage-eu-west"}')).toMatchObject({ status: 503, body: { error: { message: expect.stringContaining('COLLECTOR_IDP_SERVICE_KEY') } } })
    expect(await r.call('POST', '/api/v1/gamedays', '{"scenario":"email-delivery-loss"}')).toMatchObject({ status: 503, body: { error: { message: expect.stringContaining('COLLECTOR_SIMULATOR_URL') } } })
    expect(r.rows.size).toBe(0)
    expect(await r.call('POST', '/api/v1/gamedays', '{"scenario":"sms-primary-outage-eu-west","dryRun":true}')).toMatchObject({ status: 201, body: { dry_run: true, state: 'completed' } })
    const list = await r.call('GET', '/api/v1/gamedays/scenarios')
    expect((list.body as { scenarios: Array<{ id: string; unavailable: string | null }> }).scenarios.find((s) => s.id === 'email-delivery-loss')!.unavailable).toBe('set COLLECTOR_SIMULATOR_URL on the collector to run it')
    expect(missingSettings(scenarios.find((s) => s.id === 'push-provider-outage')!, { idpUrl: false, idpKey: false, simulatorUrl: true })).toEqual(['COLLECTOR_IDP_URL', 'COLLECTOR_IDP_SERVICE_KEY'])
  })
})
