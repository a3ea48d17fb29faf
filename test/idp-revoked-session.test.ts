import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, client, startTestIdp, totpAccount } from './support/idp-client'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }

/**
 * F7 of the SRE guide: a revoked session used again (a stolen cookie after sign-out, a password
 * change or an admin recovery) is refused and reported as telemetry, `mfa.login.completed`
 * failure with reason `session_revoked`, with the user's hash, not only as a log line.
 */
describe.each(testStores(afterAll))('reuse of a revoked session on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), { demoHeaders: 'on' })
    if (!t) return void (skip = true)
    ;({ idp, tel } = t)
  })
  afterAll(async () => idp?.close())

  it('is refused and emitted as mfa.login.completed session_revoked with the user hash', async ({ skip: s }) => {
    if (skip) return s()
    const a = await totpAccount(idp.url, `revoked-${store}@example.test`.toLowerCase(), 'workforce', clk, PASSWORD)
    const stolen = a.api.cookie()
    expect((await a.api.get('/api/v1/me')).status).toBe(200)
    const before = tel.named('mfa.login.completed').filter((e) => e['mfa.reason'] === 'session_revoked').length
    expect((await a.api.post('/api/v1/logout')).status).toBe(200)
    // The thief replays the cookie from elsewhere.
    const thief = client(idp.url, { cookie: stolen, 'x-demo-country': 'BR' })
    const r = await thief.get('/api/v1/me')
    expect([r.status, r.body.code]).toEqual([401, 'unauthenticated'])
    await expect.poll(() => tel.named('mfa.login.completed').filter((e) => e['mfa.reason'] === 'session_revoked').length).toBe(before + 1)
    const e = tel.named('mfa.login.completed').filter((x) => x['mfa.reason'] === 'session_revoked').at(-1)!
    expect(e).toMatchObject({ 'mfa.outcome': 'failure', 'mfa.user_group': 'workforce', 'mfa.country': 'BR', 'mfa.user_hash': expect.stringMatching(/^[0-9a-f]{16,}$/) })
    expect(JSON.stringify(e)).not.toContain('@example.test')
    // A cookie that never was a session is not a revoked one: nothing is emitted for it.
    await client(idp.url, { cookie: '__Host-fw_session=' + 'x'.repeat(43) }).get('/api/v1/me')
    expect(tel.named('mfa.login.completed').filter((x) => x['mfa.reason'] === 'session_revoked').length).toBe(before + 1)
  })
})
