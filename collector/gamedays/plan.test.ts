import { describe, expect, it } from 'vitest'
import type { GameDayStep, GuardrailReading } from '../../contract'
import { plan } from './plan'
import type { RunRecord } from './types'

const T0 = Date.parse('2026-12-06T10:00:00.000Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const step = (id: string, start: number, end: number, state: GameDayStep['state'] = 'pending'): GameDayStep => ({
  id, summary: id, target: 'idp', state, starts_at: at(start), ends_at: at(end), applied_at: state === 'applied' ? at(start) : null, reverted_at: null, remote_id: state === 'applied' ? `f-${id}` : null, error: null,
})
const run = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: 'gd-1', scenario: 's', name: 'S', state: 'running', dry_run: false, blast_radius: '', created_at: at(0), starts_at: at(0), ends_at: at(600), started_at: at(0), ended_at: null,
  end_reason: null, steps: [step('a', 0, 300), step('b', 120, 600)], guardrails: [], report: null, pages: false, vendors: ['twilio'], abort: null, ...over,
})
const reading = (tripped: boolean): GuardrailReading => ({ id: 'admin-success-floor', description: '', value: tripped ? 0.5 : 1, threshold: 0.95, tripped, at: at(10) })
const MARGIN = 30_000

describe('game-day planner', () => {
  it.each([
    ['a scheduled run before its time waits', run({ state: 'scheduled', started_at: null, starts_at: at(60) }), 30, [], { start: false, apply: [], revert: [], end: null }],
    ['a scheduled run at its time starts and applies what is due', run({ state: 'scheduled', started_at: null }), 0, [], { start: true, apply: ['a'], revert: [], end: null }],
    ['a running run applies a step when its offset comes', run({ steps: [step('a', 0, 300, 'applied'), step('b', 120, 600)] }), 120, [], { apply: ['b'], revert: [], end: null }],
    ['it reverts a step when its duration is up', run({ steps: [step('a', 0, 300, 'applied'), step('b', 120, 600, 'applied')] }), 300, [], { apply: [], revert: ['a'], end: null }],
    ['it ends completed when the last revert is due', run({ steps: [step('a', 0, 300, 'reverted'), step('b', 120, 600, 'applied')] }), 600, [], { revert: ['b'], end: { state: 'completed', reason: 'completed' } }],
    ['a step whose window passed unseen is skipped, not applied', run({ steps: [step('a', 0, 300, 'reverted'), step('b', 120, 200)] }), 250, [], { apply: [], skip: ['b'], end: { state: 'completed', reason: 'completed' } }],
    ['failed steps are finished steps', run({ steps: [step('a', 0, 300, 'failed'), step('b', 120, 600, 'failed')] }), 130, [], { end: { state: 'completed', reason: 'completed' } }],
    ['a tripped guardrail reverts every applied step at once and skips the rest', run({ steps: [step('a', 0, 300, 'applied'), step('b', 120, 600)] }), 60, [reading(true)], { abort: 'guardrail', revert: ['a'], skip: ['b'], apply: [], end: { state: 'aborted', reason: 'aborted_guardrail' } }],
    ['an untripped guardrail changes nothing', run({ steps: [step('a', 0, 300, 'applied'), step('b', 120, 600)] }), 60, [reading(false)], { abort: null, revert: [], end: null }],
    ['a manual abort reverts everything applied', run({ abort: 'manual', steps: [step('a', 0, 300, 'applied'), step('b', 120, 600, 'applied')] }), 130, [], { revert: ['a', 'b'], end: { state: 'aborted', reason: 'aborted_manual' } }],
    ['a restart ends an unfinished run as reverted', run({ abort: 'restart', steps: [step('a', 0, 300, 'applied'), step('b', 120, 600)] }), 10, [], { revert: ['a'], skip: ['b'], end: { state: 'aborted', reason: 'reverted' } }],
    ['a fault past its expiry at the target is not reverted again', run({ abort: 'restart', steps: [step('a', 0, 300, 'applied'), step('b', 120, 600, 'applied')] }), 340, [], { revert: ['b'], expired: ['a'], end: { state: 'aborted', reason: 'reverted' } }],
    ['a scheduled run aborted before its start ends without touching anything', run({ state: 'scheduled', started_at: null, abort: 'manual', starts_at: at(60) }), 10, [], { start: false, apply: [], revert: [], skip: ['a', 'b'], end: { state: 'aborted', reason: 'aborted_manual' } }],
    ['a guardrail read before the start does not abort a scheduled run', run({ state: 'scheduled', started_at: null }), 0, [reading(true)], { start: true, apply: ['a'], abort: null }],
    ['a finished run is left alone', run({ state: 'completed', steps: [step('a', 0, 300, 'reverted')] }), 900, [reading(true)], { apply: [], revert: [], end: null }],
  ] as const)('%s', (_name, r, second, readings, expected) => {
    expect(plan(r, T0 + second * 1000, readings, MARGIN)).toMatchObject(expected)
  })

  it('says why', () => {
    expect(plan(run({ steps: [step('a', 0, 300, 'applied'), step('b', 120, 600)] }), T0 + 60_000, [reading(true)], MARGIN).why).toBe('guardrail tripped: admin-success-floor')
    expect(plan(run(), T0 + 130_000, [], MARGIN).why).toBe('apply a, b')
  })
})
