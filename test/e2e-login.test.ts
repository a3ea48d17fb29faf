import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { provision } from './support/idp-client'
import { simulatorCode } from './support/signup'
import { eventually } from './support/processes'
import { startStack, type Stack } from './support/stack'
import { totpAt } from './support/totp'

let stack: Stack
beforeAll(async () => {
  stack = await startStack()
})
afterAll(async () => {
  await stack?.stop()
})

/** A tiny cookie-keeping JSON client for the IdP's API. */
function client(base: string) {
  let cookie = ''
  return async (path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), 'x-demo-country': 'DE' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-fw_session=')) // Secure __Host- cookies on loopback
    if (session) cookie = session.split(';')[0]
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  }
}

describe('one MFA login end to end: IdP → OTLP → ClickHouse → query API', () => {
  it('a real TOTP login is read back with factor, outcome, flow id and latency', async () => {
    const api = client(stack.idpUrl)
    const email = `e2e-${Date.now()}@example.test`
    const started = await api('/api/v1/signup', { email, password: 'correct horse battery' })
    expect(started.status).toBe(202)
    const code = await simulatorCode(stack.simulatorUrl)(email) // mailed through the simulator's e-mail vendors
    expect((await api('/api/v1/signup/verify', { signup_id: started.body.signup_id, code })).status).toBe(201)
    await provision(stack.idpUrl, email, 'admin')
    const enroll = await api('/api/v1/enroll/totp', {})
    expect(enroll.status).toBe(200)
    const secret = new URL(enroll.body.otpauth_uri).searchParams.get('secret')!
    const activate = await api('/api/v1/enroll/totp/verify', { credential_id: enroll.body.credential_id, code: totpAt(secret, Date.now()) })
    expect(activate.body).toMatchObject({ status: 'active' })

    const login = await api('/api/v1/login', { email, password: 'correct horse battery' })
    expect(login.body.next).toBe('totp')
    const flowId: string = login.body.flow_id
    const wrong = await api('/api/v1/login/totp', { flow_id: flowId, code: totpAt(secret, Date.now() - 10 * 60_000) })
    expect(wrong.status).toBe(401)
    // The enrollment used this step's code; the next step's code is inside the ±1 window.
    const ok = await api('/api/v1/login/totp', { flow_id: flowId, code: totpAt(secret, Date.now() + 30_000) })
    expect(ok.body).toMatchObject({ status: 'authenticated' })

    const from = new Date(Date.now() - 3600_000).toISOString()
    const events = await eventually(async () => {
      const res = await fetch(`${stack.queryUrl}/api/v1/events?event=mfa.challenge.verified&from=${from}&flow_id=${flowId}&limit=10`)
      const body = (await res.json()) as { events: Record<string, any>[] }
      return body.events?.length === 2 ? body.events : undefined
    }, 30_000)
    expect(events.map((e) => e.outcome)).toEqual(['success', 'failure'])
    for (const e of events) {
      expect(e).toMatchObject({ event: 'mfa.challenge.verified', factor: 'totp', flow_id: flowId, service: 'reference-idp', user_group: 'admin', country: 'DE' })
      expect(e.latency_ms).toBeGreaterThanOrEqual(0)
      expect(e.user_hash).toMatch(/^[0-9a-f]{16,64}$/)
      expect(JSON.stringify(e)).not.toContain(email)
    }
    expect(events[0].reason).toBe('ok')

    const metrics = await (await fetch(`${stack.queryUrl}/api/v1/metrics?ids=M1,M2&from=${from}`)).json()
    expect(metrics.M1.value).toBe(1)
    expect(metrics.M2.value.p50).toBeGreaterThanOrEqual(0)

    const completed = await eventually(async () => {
      const res = await fetch(`${stack.queryUrl}/api/v1/events?event=mfa.login.completed&from=${from}&flow_id=${flowId}`)
      const body = (await res.json()) as { events: Record<string, any>[] }
      return body.events?.[0]
    })
    expect(completed).toMatchObject({ outcome: 'success', flow_id: flowId })
  })
})
