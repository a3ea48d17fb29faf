import { describe, expect, it } from 'vitest'
import type { GuardrailReading } from '../../contract'
import { loadScenarioFile, loadScenarioRefs, type Scenario, type ScenarioStep } from '../../dashboards/schema/gameday'
import { dashboardsPath } from '../../dashboards/schema/yaml-file'
import { GameDayController, GameDayError, type Readings } from './controller'
import type { GameDayEvent } from './events'
import type { ChangeRecord } from './store'
import type { Targets } from './targets'
import type { RunRecord } from './types'

const scenario = loadScenarioFile(dashboardsPath('gamedays/sms-primary-outage-eu-west.yaml'), loadScenarioRefs())
const T0 = Date.parse('2026-12-06T10:00:00.000Z')

/** In-memory stand-ins behind the controller's seams: a store keeping the latest version, targets remembering what is active. */
function world() {
  const rows = new Map<string, { run: RunRecord; version: number }>()
  const changes: ChangeRecord[] = []
  const active = new Map<string, ScenarioStep>()
  const requests: Array<{ step: string; durationSeconds: number; gamedayId: string }> = []
  const events: Array<GameDayEvent & { ts: number }> = []
  let n = 0
  let failReverts = false
  const store = {
    save: async (run: RunRecord, version: number) => void rows.set(run.id, { run: structuredClone(run), version }),
    change: async (c: ChangeRecord) => void changes.push(c),
    load: async () => ({ runs: [...rows.values()].map((r) => structuredClone(r.run)), version: Math.max(0, ...[...rows.values()].map((r) => r.version)) }),
  }
  const targets: Targets = {
    apply: async (st, c) => {
      const id = `${st.target}-${++n}`
      active.set(id, st)
      requests.push({ step: st.id, durationSeconds: c.durationSeconds, gamedayId: c.gamedayId })
      return { remoteId: id, request: { step: st.id }, status: 201 }
    },
    revert: async (_t, id) => {
      if (failReverts) throw new Error('IdP unreachable')
      active.delete(id)
      return { status: 200 }
    },
  }
  let readings: GuardrailReading[] = []
  const reads: Readings = {
    guardrails: async () => readings,
    report: async (s, run) => ({ hypothesis: s.hypothesis, timeline: [], time_to_detect_seconds: 42, time_to_failover_seconds: 7, budget_spent: [], affected: [], expectations: [{ id: 'x', description: run.id, held: true, observed: '' }], charts: [] }),
  }
  let clock = T0
  const make = (scenarios: Scenario[] = [scenario]) => new GameDayController({
    store, targets, readings: reads, emit: async (e, ts) => void events.push({ ...e, ts }), scenarios: new Map(scenarios.map((s) => [s.id, s])), now: () => clock, marginS: 30, newId: () => `gd-${++n}`,
  })
  return {
    make, active, changes, events, requests, rows,
    at: (s: number) => void (clock = T0 + s * 1000),
    trip: (tripped: boolean) => void (readings = [{ id: 'admin-success-floor', description: '', value: tripped ? 0.5 : 1, threshold: 0.95, tripped, at: null }]),
    failReverts: (v: boolean) => void (failReverts = v),
  }
}

describe('game-day controller (shell around plan)', () => {
  it('runs the SMS outage: applies at each offset with the game day id and an expiry, reverts at the end, emits started/ended and keeps a report', async () => {
    const w = world()
    const c = w.make()
    const run = await c.create({ scenario: scenario.id, dryRun: false })
    expect(run).toMatchObject({ state: 'running', started_at: new Date(T0).toISOString(), steps: [{ id: 'twilio-sms-down', state: 'applied' }, { id: 'drain-twilio', state: 'pending' }] })
    expect(w.requests).toEqual([{ step: 'twilio-sms-down', durationSeconds: 600 + 30, gamedayId: run.id }])
    w.at(180)
    await c.tick()
    expect(c.get(run.id)!.steps.map((s) => s.state)).toEqual(['applied', 'applied'])
    expect(w.requests[1]).toEqual({ step: 'drain-twilio', durationSeconds: 420 + 30, gamedayId: run.id })
    w.at(600)
    await c.tick()
    const done = c.get(run.id)!
    expect(done).toMatchObject({ state: 'completed', end_reason: 'completed', ended_at: new Date(T0 + 600_000).toISOString() })
    expect(done.report?.time_to_detect_seconds).toBe(42)
    expect(w.active.size).toBe(0)
    expect(w.events.map((e) => [e.name, e.reason, e.ts - T0])).toEqual([['gameday.started', 'manual', 0], ['gameday.ended', 'completed', 600_000]])
    expect(w.changes.map((x) => `${x.stepId}:${x.change}`)).toEqual(['twilio-sms-down:apply', 'drain-twilio:apply', 'twilio-sms-down:revert', 'drain-twilio:revert'])
    expect(w.rows.get(run.id)!.run.state).toBe('completed')
  })

  it('aborts on a tripped guardrail, reverting every fault in the same tick', async () => {
    const w = world()
    const c = w.make()
    const run = await c.create({ scenario: scenario.id, dryRun: false })
    w.at(200)
    await c.tick()
    expect(w.active.size).toBe(2)
    w.trip(true)
    w.at(210)
    await c.tick()
    expect(c.get(run.id)).toMatchObject({ state: 'aborted', end_reason: 'aborted_guardrail', guardrails: [{ tripped: true }] })
    expect(w.active.size).toBe(0)
    expect(w.events.at(-1)).toMatchObject({ name: 'gameday.ended', reason: 'aborted_guardrail' })
  })

  it('refuses a second drill while one runs (409), an unknown scenario (404) and aborting a finished one (409)', async () => {
    const w = world()
    const c = w.make()
    const run = await c.create({ scenario: scenario.id, dryRun: false })
    await expect(c.create({ scenario: scenario.id, dryRun: false })).rejects.toMatchObject({ code: 'conflict' })
    await expect(c.create({ scenario: 'nope', dryRun: false })).rejects.toMatchObject({ code: 'not_found', parameter: 'scenario' })
    await expect(c.create({ scenario: scenario.id, dryRun: false, start: new Date(T0 - 3_600_000).toISOString() })).rejects.toBeInstanceOf(GameDayError)
    w.at(30)
    expect(await c.abort(run.id)).toMatchObject({ state: 'aborted', end_reason: 'aborted_manual', ended_at: new Date(T0 + 30_000).toISOString() })
    expect(w.active.size).toBe(0)
    await expect(c.abort(run.id)).rejects.toMatchObject({ code: 'conflict' })
    await expect(c.abort('gd-unknown')).rejects.toMatchObject({ code: 'not_found' })
  })

  it('a dry run plans without applying anything and does not block a real drill', async () => {
    const w = world()
    const c = w.make()
    const dry = await c.create({ scenario: scenario.id, dryRun: true })
    expect(dry).toMatchObject({ dry_run: true, state: 'completed', started_at: null, steps: [{ state: 'skipped', starts_at: new Date(T0).toISOString() }, { state: 'skipped', starts_at: new Date(T0 + 180_000).toISOString() }] })
    expect(w.requests).toHaveLength(0)
    expect(w.events).toHaveLength(0)
    expect((await c.create({ scenario: scenario.id, dryRun: false })).state).toBe('running')
  })

  it('a scheduled drill starts at its time, with reason scheduled', async () => {
    const w = world()
    const c = w.make()
    const run = await c.create({ scenario: scenario.id, dryRun: false, start: new Date(T0 + 60_000).toISOString() })
    expect(run.state).toBe('scheduled')
    w.at(59)
    await c.tick()
    expect(w.requests).toHaveLength(0)
    w.at(60)
    await c.tick()
    expect(c.get(run.id)!.state).toBe('running')
    expect(w.events[0]).toMatchObject({ name: 'gameday.started', reason: 'scheduled' })
  })

  it('a new controller finding a run left running reverts its faults and ends it as reverted', async () => {
    const w = world()
    const first = w.make()
    const run = await first.create({ scenario: scenario.id, dryRun: false })
    w.at(200)
    await first.tick()
    expect(w.active.size).toBe(2)
    // The first process dies here (no stop, no revert).
    w.at(230)
    const second = w.make()
    const reverted = await second.init()
    expect(reverted.map((r) => r.id)).toEqual([run.id])
    expect(second.get(run.id)).toMatchObject({ state: 'aborted', end_reason: 'reverted', ended_at: new Date(T0 + 230_000).toISOString() })
    expect(w.active.size).toBe(0)
    expect(w.events.at(-1)).toMatchObject({ name: 'gameday.ended', reason: 'reverted' })
  })

  it('a failed revert keeps the run open and is retried; past the target expiry it counts as expired', async () => {
    const w = world()
    const c = w.make()
    const run = await c.create({ scenario: scenario.id, dryRun: false })
    w.failReverts(true)
    w.at(10)
    await c.abort(run.id)
    expect(c.get(run.id)).toMatchObject({ state: 'running', steps: [{ state: 'applied', error: 'revert failed: IdP unreachable' }, { state: 'skipped' }] })
    w.at(20)
    w.failReverts(false)
    await c.tick()
    expect(c.get(run.id)).toMatchObject({ state: 'aborted', end_reason: 'aborted_manual', steps: [{ state: 'reverted' }, { state: 'skipped' }] })
    expect(w.active.size).toBe(0)
  })
})
