import { describe, expect, it } from 'vitest'
import type { AlertState, AlertStatus } from '../../contract'
import { SlosFile } from '../../dashboards/schema/slos'
import type { DrillWindow } from '../gamedays/readings'
import { drillFor, nextTag, outgoing } from './drills'
import { loadRuleSet } from './load'
import { OPEN_END, RAW_SOURCE, ROLLUP_1H_SOURCE, rollupable, sloCountsSql } from './sql'

const drill = (id: string, vendors: string[], pages = false): DrillWindow => ({ id, scenario: id, name: id, state: 'running', pages, vendors, startMs: 0, endMs: null })
const SMS = drill('gd-sms', ['twilio'])
const IDP = drill('gd-idp', [])

describe('which drill an alert belongs to', () => {
  it.each([
    ['vendor SLO burn of the faulted vendor', { vendor: 'twilio', slo: 'vendor-twilio-sms' }, 'vendor-twilio-sms', [SMS], 'gd-sms'],
    ['breaker alert of the faulted vendor', { vendor: 'twilio' }, null, [SMS], 'gd-sms'],
    ['another vendor is not the drill', { vendor: 'vonage', slo: 'vendor-vonage-sms' }, 'vendor-vonage-sms', [SMS], null],
    ['an SLO alert naming no vendor (M1) is the drill', { slo: 'mfa-success' }, 'mfa-success', [SMS], 'gd-sms'],
    ['a threshold alert naming no vendor (break-glass) is not', { user_group: 'admin' }, null, [SMS], null],
    ['an IdP drill owns SLO alerts but no vendor alert', { vendor: 'twilio' }, null, [IDP], null],
    ['the first running drill that fits wins', { slo: 'mfa-success' }, 'mfa-success', [IDP, SMS], 'gd-idp'],
    ['no drill running', { slo: 'mfa-success' }, 'mfa-success', [], null],
  ] as const)('%s', (_name, labels, slo, active, want) => {
    expect(drillFor({ labels: labels as Record<string, string>, slo }, active)?.id ?? null).toBe(want)
  })
})

describe('the gameday label sticks from the moment an alert leaves inactive until it is inactive again', () => {
  const a = { labels: { vendor: 'twilio' }, slo: null }
  const tag = { id: 'gd-sms', pages: false }
  it.each<[string, typeof tag | undefined, AlertState, AlertState, DrillWindow[], typeof tag | undefined]>([
    ['becomes pending during a drill: tagged', undefined, 'inactive', 'pending', [SMS], tag],
    ['fires straight away during a drill: tagged', undefined, 'inactive', 'firing', [SMS], tag],
    ['was already firing when the drill began (a real incident): not tagged', undefined, 'firing', 'firing', [SMS], undefined],
    ['keeps its tag after the drill ended while it still fires', tag, 'firing', 'firing', [], tag],
    ['keeps its tag while resolved', tag, 'firing', 'resolved', [], tag],
    ['loses it once inactive', tag, 'resolved', 'inactive', [SMS], undefined],
    ['stays untagged while inactive', undefined, 'inactive', 'inactive', [SMS], undefined],
  ])('%s', (_name, prev, from, to, active, want) => {
    expect(nextTag(prev, from, to, a, active)).toEqual(want)
  })
  it('takes the pages flag of the drill', () => {
    expect(nextTag(undefined, 'inactive', 'firing', a, [drill('gd-sms', ['twilio'], true)])).toEqual({ id: 'gd-sms', pages: true })
  })
})

describe('drill alerts go out relabelled unless the scenario pages', () => {
  const status = {
    id: 'x', severity: 'page', labels: { alertname: 'SLOBurnRateHigh', severity: 'page', vendor: 'twilio', gameday: 'gd-sms' },
    annotations: { summary: 'burning', description: 'd', runbook_url: 'u' },
  } as unknown as AlertStatus
  it('pages: false → severity drill, the rule severity kept in drill_severity, summary says so', () => {
    const out = outgoing(status, { id: 'gd-sms', pages: false })
    expect(out.labels).toEqual({ alertname: 'SLOBurnRateHigh', severity: 'drill', drill_severity: 'page', vendor: 'twilio', gameday: 'gd-sms' })
    expect(out.annotations.summary).toBe('[game day gd-sms] burning')
    expect(status.labels.severity).toBe('page')
  })
  it('pages: true, or no drill → unchanged', () => {
    expect(outgoing(status, { id: 'gd-sms', pages: true })).toBe(status)
    expect(outgoing(status, undefined)).toBe(status)
  })
})

describe('budget columns of SLOs that exclude drills (sloCountsSql)', () => {
  const slo = loadRuleSet().slos.find((s) => s.id === 'mfa-success')!
  it('outside drill windows: the windows are parameters and the condition cuts them out', () => {
    const q = sloCountsSql([slo, { ...slo, outsideDrills: true }], RAW_SOURCE, 60, 0, 1000, { from: [100], to: [OPEN_END] })
    expect(q.query).toContain(`AS t1`)
    expect(q.query.match(/arrayExists/g)).toHaveLength(2)
    expect(q.params).toMatchObject({ drill_from: [100], drill_to: [OPEN_END] })
  })
  it('no drill in range: the budget column is an alias of the plain one, no second aggregate', () => {
    const q = sloCountsSql([slo, { ...slo, sameAs: 0 }], RAW_SOURCE, 60, 0, 1000)
    expect(q.query).toMatch(/t0 AS t1,\s+b0 AS b1/)
    expect(q.query.match(/countIf/g)).toHaveLength(2)
    expect(q.query).not.toContain('arrayExists')
  })
  it('the hourly rollup cannot cut at a window edge', () => {
    expect(() => sloCountsSql([{ ...slo, outsideDrills: true }], ROLLUP_1H_SOURCE, 3600, 0, 1000)).toThrow(/raw events/)
    expect(rollupable({ ...slo, outsideDrills: true })).toBe(false)
    expect(rollupable(slo)).toBe(true)
  })
})

describe('exclude_drills in slos.yaml', () => {
  it('vendor SLOs leave drills out of their budget; the others (default) do not', () => {
    const slos = loadRuleSet().slos
    expect(slos.filter((s) => s.excludeDrills).map((s) => s.id)).toEqual(slos.filter((s) => s.vendor).map((s) => s.id))
    expect(slos.find((s) => s.id === 'mfa-success')!.excludeDrills).toBe(false)
  })
  it('a value that is not a boolean is refused, naming the path', () => {
    const file = { version: 1, critical_user_groups: ['admin'], defaults: { window: '28d', min_volume: 20 }, slos: [{ id: 'x', description: 'x', objective: 99, runbook: 'r', exclude_drills: 'yes', sli: { type: 'ratio', total: { event: 'mfa.login.completed' }, bad: { event: 'mfa.login.completed', reason: ['mfa_failed'] } } }] }
    const r = SlosFile.safeParse(file)
    expect(r.success).toBe(false)
    expect(r.error!.issues[0].path).toEqual(['slos', 0, 'exclude_drills'])
    expect(SlosFile.parse({ ...file, slos: [{ ...file.slos[0], exclude_drills: true }] }).slos[0].exclude_drills).toBe(true)
  })
})
