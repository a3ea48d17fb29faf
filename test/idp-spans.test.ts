import { tracing } from '@opentelemetry/sdk-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { createIdpMetrics } from '../reference-idp/telemetry/metrics'
import { createTelemetry } from '../reference-idp/telemetry/telemetry'
import { client } from './support/idp-client'
import { outboxCode, signUp } from './support/signup'
import { createLocalOutbox } from '../reference-idp/subprocessors/local'
import { totpAt } from './support/totp'

const spans = new tracing.InMemorySpanExporter()
let idp: RunningIdp
const box = createLocalOutbox()
beforeAll(async () => {
  // Real OTel tracer provider; spans kept in memory instead of exported (logs go nowhere).
  const telemetry = createTelemetry({ enabled: true, otlpEndpoint: 'http://127.0.0.1:9', region: 'eu-west', version: 'test', metrics: createIdpMetrics(), spanExporter: spans })
  idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', passwordCost: 14 }), { telemetry, sender: box, log: () => {} })
})
afterAll(async () => idp?.close())

describe('spans around each step', () => {
  it('a login request span has children for the password check, the risk assessment and the code check', async () => {
    const api = client(idp.url)
    await signUp(api, 'spans@example.test', 'correct horse battery', outboxCode(box))
    const e = await api.post('/api/v1/enroll/totp')
    const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
    await api.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, Date.now()) })
    const login = await api.post('/api/v1/login', { email: 'spans@example.test', password: 'correct horse battery' })
    await api.post('/api/v1/login/totp', { flow_id: login.body.flow_id, code: totpAt(secret, Date.now() + 30_000) })

    const all = spans.getFinishedSpans()
    const server = all.filter((s) => s.name === 'POST /api/v1/login').at(-1)!
    const children = all.filter((s) => s.spanContext().traceId === server.spanContext().traceId && s !== server)
    expect(children.map((s) => s.name).sort()).toEqual(['password.verify', 'risk.assess'])
    for (const c of children) expect(c.parentSpanContext?.spanId).toBe(server.spanContext().spanId)
    const code = all.filter((s) => s.name === 'totp.verify').at(-1)!
    expect(code.attributes['mfa.flow_id']).toBe(login.body.flow_id)
    expect(all.find((s) => s.name === 'POST /api/v1/login/totp' && s.spanContext().traceId === code.spanContext().traceId)).toBeDefined()
    expect(JSON.stringify(all.map((s) => s.attributes))).not.toContain('spans@example.test')
  })
})
