import { afterAll, describe, expect, it } from 'vitest'
import type { IdpConfig } from '../reference-idp/config'
import type { RunningIdp } from '../reference-idp/server'
import { openPglite } from '../reference-idp/store/db'
import { client, startTestIdp, totpAccount } from './support/idp-client'
import { freePort } from './support/processes'

const PASSWORD = 'correct horse battery'
let clock = Date.now() // the IdPs' time: it moves only when a test moves it
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }
const running: RunningIdp[] = []
afterAll(async () => {
  for (const idp of running) await idp.close()
})

/** An IdP on an in-memory store with the given configuration (these controls do not depend on the store). */
async function idpWith(config: Partial<IdpConfig>): Promise<RunningIdp> {
  const t = await startTestIdp(() => openPglite('memory://'), () => new Date(clock), config)
  running.push(t!.idp)
  return t!.idp
}

/** An IdP whose public URL is `publicUrl` (another host than the one it listens on): returns the address to reach it at. */
async function behindProxy(publicUrl: string): Promise<string> {
  const port = await freePort()
  await idpWith({ port, publicUrl })
  return `http://127.0.0.1:${port}`
}

/** What reaches the IdP from outside: client headers, cookies and origins it must not trust. */
describe('request hardening of the reference IdP', () => {
  it('by default X-Demo-IP is ignored: rotating it does not get past the per-address limit', async () => {
    const idp = await idpWith({ rateLoginPerMinute: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await client(idp.url, { 'x-demo-ip': `198.51.100.${i + 1}` }).post('/api/v1/login', { email: 'rotate@example.test', password: 'wrong-password-1' })).status)
    expect(statuses).toEqual([401, 401, 401, 429])
  })

  it('sign-ups from one address are limited (5 per 10 minutes by default), with Retry-After; another address is not held up', async () => {
    const idp = await idpWith({ rateSignupPerHour: 30, demoHeaders: 'on' })
    const from = (ip: string) => client(idp.url, { 'x-demo-ip': ip })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await from('198.51.100.7').post('/api/v1/signup', { email: `pump-${i}@example.test`, password: PASSWORD })).status)
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true)
    expect(statuses[5]).toBe(429)
    const refused = await from('198.51.100.7').post('/api/v1/signup', { email: 'pump-x@example.test', password: PASSWORD })
    expect(refused.body.code).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    // The page form counts in the same bucket, and its 429 page says when to come back too.
    const page = await from('198.51.100.7').form('/signup', { email: 'pump-y@example.test', password: PASSWORD })
    expect([page.status, Number(page.headers.get('retry-after')) > 0]).toEqual([429, true])
    expect((await from('198.51.100.8').post('/api/v1/signup', { email: 'other@example.test', password: PASSWORD })).status).not.toBe(429)
  })

  it('a malformed cookie (Cookie: x=%) is ignored, not a 500, on pages and the API', async () => {
    const idp = await idpWith({})
    const bad = { cookie: 'x=%; y=%E0%A4%A' }
    expect((await client(idp.url, bad).get('/login')).status).toBe(200)
    expect((await client(idp.url, bad).post('/api/v1/login', { email: 'nobody@example.test', password: 'wrong-password-1' })).status).toBe(401)
    expect((await client(idp.url, bad).get('/api/v1/me')).status).toBe(401)
  })

  it('on http://127.0.0.1 cookies are __Host- and Secure; an unprefixed session cookie (planted by a sibling or http page) is not accepted', async () => {
    const idp = await idpWith({})
    const set = (await client(idp.url).get('/login')).headers.getSetCookie()
    expect(set).toHaveLength(1)
    expect(set[0]).toMatch(/^__Host-fw_device=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/)
    const { api } = await totpAccount(idp.url, 'host-prefix@example.test', 'workforce', clk)
    const session = api.jar.get('__Host-fw_session')!
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await api.get('/api/v1/me')).status).toBe(200)
    // The same token without the prefix, as a cookie set by a sibling domain or a plain-http page would arrive.
    expect((await client(idp.url, { cookie: `fw_session=${session}` }).get('/api/v1/me')).status).toBe(401)
    expect((await client(idp.url, { cookie: `__Host-fw_session=${session}` }).get('/api/v1/me')).status).toBe(200)
  })

  it('on plain http to a host that is not loopback, Secure (and so __Host-) cookies are impossible: plain names, no Secure', async () => {
    const url = await behindProxy('http://idp.example.test:8080')
    const set = (await client(url).get('/login')).headers.getSetCookie()
    expect(set.find((l) => l.startsWith('fw_device='))).not.toMatch(/Secure/)
  })

  it('the Origin check compares scheme, host and port with the public URL: http:// against an https:// IdP, siblings, null and foreign origins are refused', async () => {
    const url = await behindProxy('https://idp.example.test')
    const post = (origin: string) => client(url, { origin }).post('/api/v1/login', { email: 'nobody@example.test', password: 'wrong-password-1' })
    expect((await post('https://idp.example.test')).status).toBe(401)
    for (const origin of ['http://idp.example.test', 'https://idp.example.test:8443', 'https://app.example.test', 'https://evil.example', 'null']) {
      const r = await post(origin)
      expect([origin, r.status]).toEqual([origin, 403])
    }
  })
})
