import { describe, expect, it } from 'vitest'
import { ATTR, MfaAttributes } from '../../contract'
import { riskSignalsAttr } from './events'
import { assessRisk, blockList, loadRiskPolicy, RiskPolicy } from './risk'

const policy = loadRiskPolicy()
const bad = blockList(policy)
const now = new Date('2026-11-23T12:00:00Z')
const ago = (min: number) => new Date(now.getTime() - min * 60_000)

describe('assessRisk with the shipped policy', () => {
  it.each([
    ['first sign-in ever', { deviceKnown: false, country: 'DE', recent: [] }, 'low', []],
    ['usual device and country', { deviceKnown: true, country: 'DE', recent: [{ at: ago(600), country: 'DE' }] }, 'low', []],
    ['new device only', { deviceKnown: false, country: 'DE', recent: [{ at: ago(600), country: 'DE' }] }, 'low', ['new_device']],
    ['new device in a new country, a day later', { deviceKnown: false, country: 'BR', recent: [{ at: ago(1440), country: 'DE' }] }, 'medium', ['new_device', 'new_country']],
    ['another country 10 minutes after the last sign-in', { deviceKnown: true, country: 'BR', recent: [{ at: ago(10), country: 'DE' }] }, 'high', ['new_country', 'impossible_travel']],
    ['known bad address', { deviceKnown: true, country: 'DE', ip: '203.0.113.9', recent: [{ at: ago(600), country: 'DE' }] }, 'high', ['known_bad_ip']],
  ] as const)('%s → %s', (_n, input, level, signals) => {
    const r = assessRisk({ ...input, recent: [...input.recent], now }, policy, bad)
    expect([r.level, r.signals]).toEqual([level, signals])
    // What the events carry: the same signals, comma-joined, absent when none; valid per the contract.
    const attr = riskSignalsAttr(r.signals)
    expect(attr).toBe(signals.length ? signals.join(',') : undefined)
    expect(MfaAttributes.safeParse({ [ATTR.eventName]: 'mfa.login.started', [ATTR.riskLevel]: r.level, ...(attr ? { [ATTR.riskSignals]: attr } : {}) }).success).toBe(true)
  })

  it('mfa.risk_signals is in the contract\'s order whatever order the signals came in, without repeats', () => {
    expect(riskSignalsAttr(['known_bad_ip', 'impossible_travel', 'new_device', 'known_bad_ip'])).toBe('new_device,impossible_travel,known_bad_ip')
    expect(riskSignalsAttr([])).toBeUndefined()
    expect(riskSignalsAttr(undefined)).toBeUndefined()
    expect(MfaAttributes.safeParse({ [ATTR.eventName]: 'mfa.login.started', [ATTR.riskSignals]: 'known_bad_ip,new_device' }).success).toBe(false) // the order the contract refuses
  })

  it('high risk forbids the trusted-device skip and SMS', () => {
    const r = assessRisk({ deviceKnown: true, country: 'DE', ip: '203.0.113.1', recent: [], now }, policy, bad)
    expect(r.trustedDeviceSkip).toBe(false)
    expect(r.factors).not.toContain('sms')
    expect(r.factors).toContain('webauthn')
  })

  it('the policy file is validated with the field named', () => {
    const broken = { ...policy, levels: { high: 10, medium: 20 } }
    const r = RiskPolicy.safeParse(broken)
    expect(r.success).toBe(false)
    expect(r.error?.issues[0].path.join('.')).toBe('levels')
  })
})
