import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadScenarioFile, loadScenarioRefs, type IdpStep, type SimulatorStep } from '../../dashboards/schema/gameday'
import { dashboardsPath } from '../../dashboards/schema/yaml-file'
import { FAULT_AUDIENCE } from '../../reference-idp/fault-routes'
import { newServiceKeyPair, parseServiceKeys, verifyServiceAssertion } from '../../reference-idp/service-auth/assertion'
import { FaultRequest } from '../../reference-idp/simulator/faults'
import { FAULTS_AUDIENCE, parseSigningKey, signAssertion } from './assertion'
import { httpTargets, idpFaultRequest, simulatorRequest } from './targets'

const pair = newServiceKeyPair('collector-test')
const keys = parseServiceKeys(JSON.stringify({ keys: [pair.publicJwk] }))
const refs = loadScenarioRefs()
const sms = loadScenarioFile(dashboardsPath('gamedays/sms-primary-outage-eu-west.yaml'), refs)
const mail = loadScenarioFile(dashboardsPath('gamedays/email-delivery-loss.yaml'), refs)

const seen: Array<{ method: string; url: string; auth: string; body: unknown }> = []
let status = 201
const body = async (req: IncomingMessage) => {
  let s = ''
  for await (const c of req) s += c
  return s ? JSON.parse(s) : null
}
const server = createServer(async (req, res) => {
  seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization ?? '', body: await body(req) })
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(status < 300 ? JSON.stringify({ id: 'f-1' }) : JSON.stringify({ error: { message: 'vendor: expected one of twilio' } }))
})
let url = ''
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('game-day targets', () => {
  it('signs assertions the IdP accepts for its fault API (and only there)', () => {
    expect(FAULTS_AUDIENCE).toBe(FAULT_AUDIENCE)
    const k = parseSigningKey(JSON.stringify(pair.privateJwk))
    const now = Date.now()
    const v = verifyServiceAssertion(signAssertion(k, now), keys, now, FAULT_AUDIENCE)
    expect(v).toMatchObject({ ok: true, kid: 'collector-test', sub: 'factorwatch-gamedays' })
    expect(verifyServiceAssertion(signAssertion(k, now), keys, now)).toEqual({ ok: false, reason: 'aud must be factorwatch-idp-provisioning' })
  })

  it.each([
    ['text that is not JSON', 'nope', /not JSON/],
    ['a public key', JSON.stringify(pair.publicJwk), /expected a private key/],
    ['a key without kid', JSON.stringify({ ...pair.privateJwk, kid: undefined }), /kid/],
  ])('refuses %s as the signing key without echoing it', (_w, text, msg) => {
    expect(() => parseSigningKey(text)).toThrow(msg)
    try { parseSigningKey(text) } catch (e) { expect((e as Error).message).not.toContain(pair.privateJwk.d) }
  })

  it('maps steps to each target\'s request', () => {
    const st = sms.steps[0] as IdpStep
    expect(idpFaultRequest(st, { gamedayId: 'gd-1', durationSeconds: 630, reason: 'r' })).toEqual({
      kind: 'error', vendor: 'twilio', channel: 'sms', region: 'eu-west', share: 1, scope: { synthetic_only: false }, duration_seconds: 630, gameday_id: 'gd-1', reason: 'r',
    })
    const sim = simulatorRequest(mail.steps[0] as SimulatorStep, { gamedayId: 'gd-1', durationSeconds: 630, reason: '' })
    expect(sim).toEqual({ vendor: 'ses', region: 'eu-west', kind: 'delivery_loss', value: 1, durationSeconds: 630 })
    expect(FaultRequest.safeParse(sim).success).toBe(true)
  })

  it('applies and reverts over HTTP with a fresh assertion per IdP call; a 4xx is a TargetError naming the answer', async () => {
    const t = httpTargets({ idpUrl: url, simulatorUrl: url, key: parseSigningKey(JSON.stringify(pair.privateJwk)), now: Date.now })
    seen.length = 0
    status = 201
    expect(await t.apply(sms.steps[0], { gamedayId: 'gd-1', durationSeconds: 60, reason: '' })).toMatchObject({ remoteId: 'f-1', status: 201 })
    expect(await t.apply(sms.steps[1], { gamedayId: 'gd-1', durationSeconds: 60, reason: '' })).toMatchObject({ remoteId: 'f-1' })
    expect(await t.apply(mail.steps[0], { gamedayId: 'gd-1', durationSeconds: 60, reason: '' })).toMatchObject({ remoteId: 'f-1' })
    status = 404
    expect(await t.revert('simulator', 'f-1')).toEqual({ status: 404 })
    status = 200
    expect(await t.revert('idp', 'f 1')).toEqual({ status: 200 })
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /api/v1/admin/faults', 'POST /api/v1/admin/runbook-actions', 'POST /faults', 'DELETE /faults/f-1', 'DELETE /api/v1/admin/faults/f%201'])
    const idpAuth = seen.filter((s) => s.url.startsWith('/api/')).map((s) => s.auth.replace('Bearer ', ''))
    expect(new Set(idpAuth).size).toBe(3)
    for (const a of idpAuth) expect(verifyServiceAssertion(a, keys, Date.now(), FAULT_AUDIENCE).ok).toBe(true)
    expect(seen.find((s) => s.url === '/faults')!.auth).toBe('')
    status = 400
    await expect(t.apply(sms.steps[0], { gamedayId: 'gd-1', durationSeconds: 60, reason: '' })).rejects.toMatchObject({ status: 400, message: 'IdP fault API answered 400: vendor: expected one of twilio' })
    await expect(httpTargets({ now: Date.now }).apply(sms.steps[0], { gamedayId: 'g', durationSeconds: 1, reason: '' })).rejects.toThrow('no IdP URL configured')
  })
})
