import { describe, expect, it } from 'vitest'
import { decideAdminAccess, type AdminAccessInput } from './admin-access'

const now = new Date('2026-12-06T12:00:00Z')
const ago = (min: number) => new Date(now.getTime() - min * 60_000)
const base: AdminAccessInput = { group: 'admin', factors: ['totp'], mfaAt: ago(1), mfaFactor: 'totp', policy: 'any', maxAgeMs: 10 * 60_000 }

describe('decideAdminAccess', () => {
  it.each<[string, Partial<AdminAccessInput>, string | null]>([
    ['admin, TOTP passed a minute ago', {}, null],
    ['not an admin', { group: 'workforce' }, 'not_admin'],
    ['admin with no second factor: sent to enroll, never let through', { factors: [], mfaAt: null, mfaFactor: null }, 'no_factor'],
    ['second factor passed 11 minutes ago', { mfaAt: ago(11) }, 'stale'],
    ['never passed a second factor this session', { mfaAt: null, mfaFactor: null }, 'stale'],
    ['a clock that jumped back: MFA "in the future" is not fresh', { mfaAt: new Date(now.getTime() + 3_600_000) }, 'stale'],
    ['phishing-resistant policy, no passkey enrolled', { policy: 'phishing_resistant' }, 'no_passkey'],
    ['phishing-resistant policy, passkey enrolled but TOTP passed', { policy: 'phishing_resistant', factors: ['webauthn', 'totp'] }, 'not_phishing_resistant'],
    ['phishing-resistant policy, factor of the session unknown', { policy: 'phishing_resistant', factors: ['webauthn'], mfaFactor: null }, 'not_phishing_resistant'],
    ['phishing-resistant policy, passkey passed', { policy: 'phishing_resistant', factors: ['webauthn'], mfaFactor: 'webauthn' }, null],
  ])('%s', (_name, change, reason) => {
    const v = decideAdminAccess({ ...base, ...change }, 'approving', now)
    if (reason === null) return expect(v).toEqual({ ok: true })
    expect(v).toMatchObject({ ok: false, reason })
    if (!v.ok) expect(v.message).toMatch(/^approving /)
  })

  it('maps each refusal to the status a client acts on', () => {
    expect(decideAdminAccess({ ...base, group: 'customer' }, 'x', now)).toMatchObject({ error: 'forbidden' })
    expect(decideAdminAccess({ ...base, factors: [] }, 'x', now)).toMatchObject({ error: 'enrollment_required' })
    expect(decideAdminAccess({ ...base, mfaAt: ago(60) }, 'x', now)).toMatchObject({ error: 'stepup_required' })
  })
})
