import { describe, expect, it } from 'vitest'
import { PERMISSIONS, ROLES, can, type Permission } from '../../contract/access'
import { type DecideInput, type Presented, decide } from './decide'

const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90'
const input = (presented: Presented, permission: Permission | 'public', forwarded: DecideInput['forwarded'] = {}, extra: Partial<DecideInput> = {}): DecideInput =>
  ({ tokensConfigured: true, presented, forwarded, needs: { permission }, ...extra })
const token = (principal: 'viewer' | 'sre' | 'security' | 'operator' | 'admin' | 'console'): Presented => ({ kind: 'token', principal })

describe('decide', () => {
  it.each([
    ['no token', input({ kind: 'none' }, 'dashboards.read'), 401, 'Bearer realm="factorwatch"'],
    ['malformed header', input({ kind: 'malformed' }, 'dashboards.read'), 401, 'Bearer realm="factorwatch", error="invalid_token"'],
    ['unknown token', input({ kind: 'unknown' }, 'dashboards.read'), 401, 'Bearer realm="factorwatch", error="invalid_token"'],
    ['console without role', input(token('console'), 'dashboards.read', { actor: HASH }), 400, undefined],
    ['console with unknown role', input(token('console'), 'dashboards.read', { actor: HASH, role: 'root' }), 400, undefined],
    ['console without actor', input(token('console'), 'dashboards.read', { role: 'admin' }), 400, undefined],
    ['console with an e-mail as actor', input(token('console'), 'dashboards.read', { actor: 'jane@example.com', role: 'admin' }), 400, undefined],
    ['console as viewer, silences', input(token('console'), 'silences.write', { actor: HASH, role: 'viewer' }), 403, 'Bearer realm="factorwatch", error="insufficient_scope"'],
    ['role token on a console-only route', { ...input(token('admin'), 'dashboards.read'), needs: { permission: 'dashboards.read' as const, consoleOnly: true } }, 403, undefined],
  ] as const)('%s → %i', (_name, inp, status, challenge) => {
    const d = decide(inp)
    expect(d.ok).toBe(false)
    if (d.ok) return
    expect(d.status).toBe(status)
    expect(d.wwwAuthenticate).toBe(challenge)
  })

  it('each role token against each permission follows can(), naming the weakest role on 403', () => {
    for (const role of ROLES) {
      for (const p of PERMISSIONS) {
        const d = decide(input(token(role), p))
        expect(d.ok, `${role} ${p}`).toBe(can(role, p))
        expect(d.who).toMatchObject({ actor: `token:${role}`, role, source: 'api' })
        if (!d.ok) expect(d.message).toMatch(new RegExp(`^needs the \\w+ role or stronger \\(${p.replace('.', '\\.')}\\); this token has ${role}$`))
      }
    }
    const d = decide(input(token('viewer'), 'gamedays.write'))
    expect(!d.ok && d.message).toContain('needs the operator role')
  })

  it('the console acts as its forwarded user; role headers from other tokens are ignored', () => {
    expect(decide(input(token('console'), 'gamedays.write', { actor: HASH, role: 'operator' }))).toEqual({ ok: true, who: { actor: HASH, role: 'operator', source: 'console', principal: 'console' } })
    const borrowed = decide(input(token('viewer'), 'gamedays.write', { actor: HASH, role: 'admin' }))
    expect(borrowed.ok).toBe(false)
    expect(borrowed.who).toMatchObject({ actor: 'token:viewer', role: 'viewer' })
    // Its own records (POST /api/v1/audit) need no forwarded user.
    expect(decide({ ...input(token('console'), 'dashboards.read'), needs: { permission: 'dashboards.read', consoleOnly: true } })).toMatchObject({ ok: true, who: { actor: 'token:console', principal: 'console' } })
  })

  it('public routes need nothing; without tokens nothing is refused and a well-formed forwarded actor is kept', () => {
    expect(decide(input({ kind: 'none' }, 'public')).ok).toBe(true)
    const open = { tokensConfigured: false }
    expect(decide(input({ kind: 'none' }, 'settings.write', {}, open))).toEqual({ ok: true, who: { actor: 'anonymous', role: 'none', source: 'api', principal: 'open' } })
    expect(decide(input({ kind: 'unknown' }, 'settings.write', { actor: HASH, role: 'sre' }, open))).toMatchObject({ ok: true, who: { actor: HASH, role: 'sre', source: 'console' } })
    expect(decide(input({ kind: 'none' }, 'settings.write', { actor: 'x@y.z', role: 'god' }, open))).toMatchObject({ ok: true, who: { actor: 'anonymous', role: 'none' } })
  })
})
