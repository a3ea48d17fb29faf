import { describe, expect, it } from 'vitest'
import { ACR_MFA } from '../contract/access'
import { decideSignIn } from '../app/_lib/auth/decide'
import { safeReturnTo } from '../app/_lib/auth/return-to'
import { EMPTY_ROLE_MAP, mapRole, parseRoleMap } from '../app/_lib/auth/roles'
import { openSession, readCookie, sealSession, seal, unseal, freshEnough, type Session } from '../app/_lib/auth/session'
import { parseAuthConfig } from '../app/_lib/env'

const SECRET = 'a-session-secret-of-at-least-32-bytes-long!'
const NOW = 1_800_000_000
const session: Session = { user: 'ab'.repeat(16), name: 'Ada', role: 'sre', amr: ['pwd', 'otp'], acr: ACR_MFA, authTime: NOW - 10, exp: NOW + 3600 }

describe('session cookie', () => {
  it('round-trips and holds no raw subject', async () => {
    const v = await sealSession(session, SECRET, NOW)
    expect(await openSession(v, SECRET, NOW + 1)).toEqual(session)
    expect(v.split('.')).toHaveLength(5) // a JWE: nothing readable without the key
    expect(v).not.toContain('Ada')
  })
  it('refuses a tampered cookie', async () => {
    const v = await sealSession(session, SECRET, NOW)
    const parts = v.split('.')
    for (const i of [0, 2, 3, 4]) {
      const p = [...parts]
      p[i] = p[i].slice(0, -2) + (p[i].endsWith('AA') ? 'BB' : 'AA')
      expect(await openSession(p.join('.'), SECRET, NOW)).toBeNull()
    }
    expect(await openSession(v, 'another-secret-of-at-least-32-bytes-long!!', NOW)).toBeNull()
    expect(await openSession('garbage', SECRET, NOW)).toBeNull()
    expect(await openSession(undefined, SECRET, NOW)).toBeNull()
  })
  it('expires at its exp', async () => {
    const v = await sealSession(session, SECRET, NOW)
    expect(await openSession(v, SECRET, session.exp - 1)).not.toBeNull()
    expect(await openSession(v, SECRET, session.exp + 1)).toBeNull()
  })
  it('does not accept a value sealed for another purpose (the OIDC flow cookie) as a session', async () => {
    const flow = await seal({ u: 'x', r: 'admin', at: NOW }, SECRET, 'oidc-flow', NOW, 600)
    expect(await unseal(flow, SECRET, 'oidc-flow', NOW)).not.toBeNull()
    expect(await openSession(flow, SECRET, NOW)).toBeNull()
  })
  it('refuses a session naming an unknown role', async () => {
    const v = await seal({ u: 'x', r: 'root', at: NOW, amr: [] }, SECRET, 'session', NOW, 600)
    expect(await openSession(v, SECRET, NOW)).toBeNull()
  })
  it('re-authentication is fresh within the max age only', () => {
    expect(freshEnough({ authTime: NOW - 900 }, NOW, 900)).toBe(true)
    expect(freshEnough({ authTime: NOW - 901 }, NOW, 900)).toBe(false)
  })
  it('reads one cookie from a Cookie header', () => {
    expect(readCookie('a=1; __Host-factorwatch_session=xyz; b=2', '__Host-factorwatch_session')).toBe('xyz')
    expect(readCookie('factorwatch_session_x=1', 'factorwatch_session')).toBeUndefined()
  })
})

describe('return_to', () => {
  it.each([
    ['/security?range=24h', '/security?range=24h'],
    ['/gamedays/abc#live', '/gamedays/abc#live'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/\t/evil.example', '/'],
    ['/%0a/x', '/%0a/x'],
    ['/auth/logout', '/'],
    ['/auth/login?return_to=//evil', '/'],
    ['', '/'],
    [null, '/'],
    ['relative/path', '/'],
  ])('%s → %s', (raw, want) => {
    expect(safeReturnTo(raw)).toBe(want)
  })
})

describe('role mapping', () => {
  it('reads role names from the roles claim, as a string or an array; the strongest wins', () => {
    expect(mapRole({ factorwatch_roles: 'viewer' })).toBe('viewer')
    expect(mapRole({ factorwatch_roles: ['viewer', 'operator', 'sre'] })).toBe('operator')
    expect(mapRole({ factorwatch_roles: 'sre security' })).toBe('security')
    expect(mapRole({ factorwatch_roles: ['root', 42] })).toBeUndefined()
    expect(mapRole({})).toBeUndefined()
  })
  it('maps groups and subjects through the mapping file; a bare role name in another claim needs a mapping', () => {
    const map = parseRoleMap('claims: [groups]\nvalues:\n  fw-oncall: sre\n  "0a1b-guid": security\nsubjects:\n  00u-boss: admin\n', 'roles.yaml')
    expect(mapRole({ groups: ['staff', 'fw-oncall'] }, 'factorwatch_roles', map)).toBe('sre')
    expect(mapRole({ groups: ['0a1b-guid'], factorwatch_roles: 'viewer' }, 'factorwatch_roles', map)).toBe('security')
    expect(mapRole({ groups: ['admin'] }, 'factorwatch_roles', map)).toBeUndefined()
    expect(mapRole({ sub: '00u-boss' }, 'factorwatch_roles', map)).toBe('admin')
    expect(mapRole({ roles: ['operator'] }, 'roles', EMPTY_ROLE_MAP)).toBe('operator')
  })
  it.each([
    ['values:\n  fw: superuser\n', /roles.yaml: values.fw: expected one of viewer, sre, security, operator, admin/],
    ['value:\n  fw: sre\n', /roles.yaml: \(top level\).*allowed keys: claims, values, subjects/],
    ['claims: groups\n', /roles.yaml: claims: /],
    ['values: [1, 2\n', /roles.yaml: not valid YAML/],
  ])('refuses a bad mapping file with a clear error: %j', (text, err) => {
    expect(() => parseRoleMap(text, 'roles.yaml')).toThrow(err)
  })
})

describe('second factor at sign-in', () => {
  const settings = { rolesClaim: 'factorwatch_roles', roleMap: EMPTY_ROLE_MAP, sessionMaxAgeS: 28_800 }
  it('refuses a password-only token, and a token without a role, with the reason', () => {
    const pwd = decideSignIn({ sub: 's', amr: ['pwd'], factorwatch_roles: 'admin' }, 'h', settings, NOW)
    expect(pwd).toMatchObject({ ok: false, reason: 'no_second_factor' })
    const noRole = decideSignIn({ sub: 's', amr: ['pwd', 'otp'] }, 'h', settings, NOW)
    expect(noRole).toMatchObject({ ok: false, reason: 'no_role' })
  })
  it('accepts amr otp / hwk, or an accepted acr, and builds the session from the hash only', () => {
    const d = decideSignIn({ sub: 'raw-subject', email: 'a@example.com', name: 'Ada', amr: ['pwd', 'otp'], auth_time: NOW - 5, factorwatch_roles: ['sre'] }, 'hash123', settings, NOW)
    expect(d).toEqual({ ok: true, session: { user: 'hash123', name: 'Ada', role: 'sre', amr: ['pwd', 'otp'], acr: undefined, authTime: NOW - 5, exp: NOW + 28_800 } })
    expect(JSON.stringify(d)).not.toContain('raw-subject')
    expect(JSON.stringify(d)).not.toContain('a@example.com')
    expect(decideSignIn({ amr: ['hwk'], factorwatch_roles: 'viewer' }, 'h', settings, NOW).ok).toBe(true)
    expect(decideSignIn({ acr: 'phr', factorwatch_roles: 'viewer' }, 'h', settings, NOW).ok).toBe(true)
  })
  it('OIDC_ACCEPTED_ACR replaces the accepted acr values (Keycloak level 2)', () => {
    const keycloak = { ...settings, acceptedAcr: ['2'] }
    expect(decideSignIn({ acr: '2', amr: ['pwd'], factorwatch_roles: 'viewer' }, 'h', keycloak, NOW).ok).toBe(true)
    expect(decideSignIn({ acr: '1', amr: ['pwd'], factorwatch_roles: 'viewer' }, 'h', keycloak, NOW).ok).toBe(false)
    expect(decideSignIn({ acr: 'phr', amr: ['pwd'], factorwatch_roles: 'viewer' }, 'h', keycloak, NOW).ok).toBe(false)
  })
})

describe('sign-in settings', () => {
  const oidc = { OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_SECRET: 's3cret', CONSOLE_PUBLIC_URL: 'https://fw.example.com/', FACTORWATCH_SESSION_SECRET: SECRET }
  it('defaults to oidc when OIDC_ISSUER is set, with secure cookies on https', () => {
    const c = parseAuthConfig(oidc)
    expect(c).toMatchObject({ mode: 'oidc', clientId: 'factorwatch-console', publicUrl: 'https://fw.example.com', secure: true, rolesClaim: 'factorwatch_roles', sessionMaxAgeS: 28_800, reauthMaxAgeS: 900 })
  })
  it('uses the reference IdP at <IDP_URL>/oidc with FACTORWATCH_AUTH=oidc', () => {
    const { OIDC_ISSUER: _, ...rest } = oidc
    expect(parseAuthConfig({ ...rest, FACTORWATCH_AUTH: 'oidc', IDP_URL: 'http://127.0.0.1:8080/' })).toMatchObject({ issuer: 'http://127.0.0.1:8080/oidc' })
  })
  it.each([
    [{ FACTORWATCH_SESSION_SECRET: 'short' }, /FACTORWATCH_SESSION_SECRET: expected at least 32 bytes/],
    [{ OIDC_CLIENT_SECRET: '' }, /OIDC_CLIENT_SECRET/],
    [{ CONSOLE_PUBLIC_URL: 'fw.example.com' }, /CONSOLE_PUBLIC_URL: expected an http\(s\) URL/],
    [{ FACTORWATCH_SESSION_MAX_AGE_S: 'eight hours' }, /FACTORWATCH_SESSION_MAX_AGE_S/],
    [{ OIDC_SCOPES: 'profile email' }, /OIDC_SCOPES: must include openid/],
    [{ FACTORWATCH_AUTH: 'none' }, /FACTORWATCH_AUTH: expected oidc or local/],
  ])('refuses %j naming the variable', (bad, err) => {
    expect(() => parseAuthConfig({ ...oidc, ...bad })).toThrow(err)
  })
  it('local mode only on a loopback bind', () => {
    expect(parseAuthConfig({ FACTORWATCH_AUTH: 'local', CONSOLE_HOST: '127.0.0.1' })).toMatchObject({ mode: 'local' })
    expect(parseAuthConfig({ CONSOLE_HOST: '::1' })).toMatchObject({ mode: 'local' })
    expect(parseAuthConfig({ __NEXT_PRIVATE_ORIGIN: 'http://127.0.0.1:3000' })).toMatchObject({ mode: 'local' })
    expect(() => parseAuthConfig({ FACTORWATCH_AUTH: 'local', CONSOLE_HOST: '0.0.0.0' })).toThrow(/only allowed when the console binds a loopback address, but it binds "0.0.0.0"/)
    expect(() => parseAuthConfig({ FACTORWATCH_AUTH: 'local' })).toThrow(/binds every interface/)
    // next start without -H records "localhost" but listens everywhere.
    expect(() => parseAuthConfig({ __NEXT_PRIVATE_ORIGIN: 'http://localhost:3000' })).toThrow(/loopback/)
  })
})
