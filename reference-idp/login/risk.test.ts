import { describe, expect, it } from 'vitest'
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
