import { describe, expect, it } from 'vitest'
import { IdpFaultRequest, RunbookActionRequest, type IdpFault, type RunbookAction } from '../../contract'
import { drainOf, inScope, isActive, matchFault, matchUnavailable, newlyExpired, promoteOrder, scopeLabel } from './match'
import { createFaultRegistry } from './registry'

const T0 = new Date('2026-12-06T10:00:00Z')
const at = (s: number) => new Date(T0.getTime() + s * 1000)

function fault(over: Partial<IdpFault> = {}): IdpFault {
  return {
    id: 'f1', kind: 'error', vendor: 'twilio', channel: 'sms', region: '*', share: 1, latency_ms: null, scope: { synthetic_only: false },
    gameday_id: 'gd-1', reason: '', created_at: T0.toISOString(), expires_at: at(300).toISOString(), revoked_at: null, active: true, ...over,
  }
}
function action(over: Partial<RunbookAction> = {}): RunbookAction {
  return {
    id: 'a1', action: 'drain_vendor', vendor: 'twilio', channel: '*', region: '*', factor: null, instead_of: null, gameday_id: null, reason: '',
    created_at: T0.toISOString(), expires_at: at(60).toISOString(), revoked_at: null, active: true, ...over,
  }
}
const call = { vendor: 'twilio', channel: 'sms', region: 'eu-west', subject: { userGroup: 'customer', synthetic: false } }
const never = () => 0.999999
const always = () => 0

describe('matchFault', () => {
  it.each([
    ['matches vendor, channel, region wildcard', fault(), call, true],
    ['another vendor', fault({ vendor: 'vonage' }), call, false],
    ['another channel', fault({ channel: 'voice' }), call, false],
    ['channel wildcard', fault({ channel: '*' }), call, true],
    ['another region', fault({ region: 'us-east' }), call, false],
    ['that region', fault({ region: 'eu-west' }), call, true],
    ['idp_unavailable never meets a vendor call', fault({ kind: 'idp_unavailable', vendor: null }), call, false],
    ['revoked', fault({ revoked_at: at(10).toISOString() }), call, false],
    ['user group in scope', fault({ scope: { user_group: 'customer', synthetic_only: false } }), call, true],
    ['user group out of scope', fault({ scope: { user_group: 'admin', synthetic_only: false } }), call, false],
    ['synthetic only, real user', fault({ scope: { synthetic_only: true } }), call, false],
    ['synthetic only, synthetic user', fault({ scope: { synthetic_only: true } }), { ...call, subject: { userGroup: 'customer', synthetic: true } }, true],
    ['scoped fault, unknown user', fault({ scope: { user_group: 'customer', synthetic_only: false } }), { ...call, subject: undefined }, false],
    ['unscoped fault, unknown user', fault(), { ...call, subject: undefined }, true],
  ])('%s', (_name, f, c, hit) => {
    expect(matchFault([f], c, at(1), always)?.id).toBe(hit ? f.id : undefined)
  })

  it('expiry is a comparison with now: in force until expires_at, not at it', () => {
    const f = fault()
    expect(matchFault([f], call, at(299.999), always)).toBeDefined()
    expect(matchFault([f], call, at(300), always)).toBeUndefined()
    expect(isActive(f, at(300))).toBe(false)
  })

  it('share: the draw falls inside it or not', () => {
    const f = fault({ share: 0.25 })
    expect(matchFault([f], call, at(1), () => 0.24)).toBeDefined()
    expect(matchFault([f], call, at(1), () => 0.25)).toBeUndefined()
    // About a quarter of calls with a real generator of fixed seed.
    let seed = 7
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const hits = Array.from({ length: 4000 }, () => matchFault([f], call, at(1), rand)).filter(Boolean).length
    expect(hits / 4000).toBeGreaterThan(0.22)
    expect(hits / 4000).toBeLessThan(0.28)
  })

  it('the oldest matching fault wins; one that misses its draw lets the next one try', () => {
    const a = fault({ id: 'a', kind: 'error', share: 0.5 })
    const b = fault({ id: 'b', kind: 'timeout' })
    const draws = [0.9, 0.1]
    expect(matchFault([a, b], call, at(1), () => draws.shift()!)?.id).toBe('b')
    expect(matchFault([a, b], call, at(1), always)?.id).toBe('a')
    expect(matchFault([a, b], call, at(1), never)?.id).toBe('b') // share 1 always hits
  })
})

describe('matchUnavailable, drainOf, promoteOrder', () => {
  it('idp_unavailable by region and scope', () => {
    const f = fault({ kind: 'idp_unavailable', vendor: null, channel: '*', scope: { user_group: 'workforce', synthetic_only: false } })
    expect(matchUnavailable([f], 'eu-west', { userGroup: 'workforce', synthetic: false }, at(1), always)?.id).toBe('f1')
    expect(matchUnavailable([f], 'eu-west', { userGroup: 'admin', synthetic: false }, at(1), always)).toBeUndefined()
    expect(matchUnavailable([fault()], 'eu-west', undefined, at(1), always)).toBeUndefined() // a vendor fault is no sign-in fault
  })

  it('a drain holds one vendor for its channel and region until it expires', () => {
    const a = action({ region: 'eu-west' })
    expect(drainOf([a], 'twilio', 'sms', 'eu-west', at(59))?.id).toBe('a1')
    expect(drainOf([a], 'twilio', 'sms', 'us-east', at(59))).toBeUndefined()
    expect(drainOf([a], 'vonage', 'sms', 'eu-west', at(59))).toBeUndefined()
    expect(drainOf([a], 'twilio', 'sms', 'eu-west', at(60))).toBeUndefined()
    expect(drainOf([action({ action: 'promote_fallback', vendor: null, factor: 'totp' })], 'twilio', 'sms', 'eu-west', at(1))).toBeUndefined()
  })

  it.each([
    ['push first → totp first', { factor: 'totp', instead_of: 'push' }, ['push', 'totp', 'recovery_code'], ['totp', 'push', 'recovery_code']],
    ['instead_of is not first: unchanged', { factor: 'totp', instead_of: 'push' }, ['webauthn', 'push', 'totp'], ['webauthn', 'push', 'totp']],
    ['user lacks the factor: unchanged', { factor: 'totp', instead_of: 'push' }, ['push', 'sms'], ['push', 'sms']],
    ['no instead_of: to the front', { factor: 'sms', instead_of: null }, ['webauthn', 'totp', 'sms'], ['sms', 'webauthn', 'totp']],
  ])('promote: %s', (_n, a, have, order) => {
    expect(promoteOrder([action({ action: 'promote_fallback', vendor: null, ...a })], have, 'eu-west', at(1)).order).toEqual(order)
    expect(promoteOrder([action({ action: 'promote_fallback', vendor: null, ...a })], have, 'eu-west', at(61)).order).toEqual(have)
  })

  it('scope labels', () => {
    expect(scopeLabel({ synthetic_only: false })).toBe('all')
    expect(scopeLabel({ synthetic_only: true, user_group: 'admin' })).toBe('synthetic,user_group:admin')
    expect(inScope({ synthetic_only: false }, undefined)).toBe(true)
  })
})

describe('registry', () => {
  it('expiry needs no call to take effect, is reported once by sweep, and a revoke is final', () => {
    let now = T0
    const r = createFaultRegistry({ now: () => now, newId: (() => { let i = 0; return () => `id-${++i}` })() })
    const f = r.addFault(IdpFaultRequest.parse({ kind: 'error', vendor: 'twilio', channel: 'sms', duration_seconds: 60, gameday_id: 'gd-1' }))
    const g = r.addFault(IdpFaultRequest.parse({ kind: 'latency', vendor: 'vonage', latency_ms: 500, duration_seconds: 600 }))
    const a = r.addAction(RunbookActionRequest.parse({ action: 'drain_vendor', vendor: 'twilio', duration_seconds: 30 }))
    expect(f).toMatchObject({ id: 'id-1', active: true, expires_at: at(60).toISOString(), scope: { synthetic_only: false }, channel: 'sms', region: '*', share: 1 })
    expect(matchFault(r.rawFaults(), call, now, always)?.id).toBe('id-1')
    now = at(60)
    // Nothing ran, yet the fault no longer matches.
    expect(matchFault(r.rawFaults(), call, now, always)).toBeUndefined()
    expect(r.faults().find((x) => x.id === f.id)?.active).toBe(false)
    expect(r.sweep().map((c) => [c.type, c.entry.id, c.reason])).toEqual([['fault', 'id-1', 'expired'], ['action', a.id, 'expired']])
    expect(r.sweep()).toEqual([])
    const rv = r.revokeFault(g.id)!
    expect(rv.changed).toBe(true)
    expect(rv.entry).toMatchObject({ active: false, revoked_at: at(60).toISOString() })
    expect(r.revokeFault(g.id)!.changed).toBe(false)
    expect(r.revokeFault('nope')).toBeUndefined()
    now = at(700)
    expect(r.sweep()).toEqual([]) // revoked: never reported again as expired
    expect(newlyExpired(r.rawFaults(), new Set(), now).map((e) => e.id)).toEqual(['id-1'])
  })
})
