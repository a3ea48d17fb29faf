import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttackReport } from '../contract/security'
import { loadIdpConfig } from '../reference-idp/config'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { client, TEST_SERVICE_KEYS, testKeys, totpAccount } from './support/idp-client'
import { simulatedPhone } from './support/phone'
import { eventually, freePort, startProcess, tempDir, type Running } from './support/processes'
import { simulatorCode } from './support/signup'

/**
 * Push bombing through the real reference IdP (issue 14): the IdP runs in-process on the
 * provider simulator's FCM and exports OTLP to a real collector process. A user pairs a phone;
 * an attacker holding the password signs in again and again from a block-listed network
 * abroad, the phone denies each push and finally reports one as fraud, and the IdP locks push.
 * The attack report then shows the denied pushes, the fraud report and the lock under the
 * attacker's network and country (not the phone's), with the user touched.
 */
const PASSWORD = 'correct horse battery'
/** On the reference IdP's block list (reference-idp/policy/risk-policy.yaml: 203.0.113.0/24). */
const ATTACKER = { 'x-demo-country': 'NG', 'x-demo-ip': '203.0.113.50' }
const ATTACKER_NET = '203.0.113.0/24'
let skew = 0
const clk = { at: () => Date.now() + skew, advance: (ms: number) => void (skew += ms) }
const started = new Date(Date.now() - 60_000).toISOString()
const keys = testKeys()

let sim: Simulator
let collector: Running
let idp: RunningIdp
let query = ''

beforeAll(async () => {
  const [otlp, q] = await Promise.all([freePort(), freePort()])
  sim = await startSimulator({ port: 0, seed: 14, timeScale: 0.02, baseline: 'clean' })
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlp), COLLECTOR_QUERY_PORT: String(q), FACTORWATCH_DATA_DIR: tempDir('security-push-bombing'),
  }, [/collector query listening/])
  query = `http://127.0.0.1:${q}`
  idp = await startIdp(loadIdpConfig(simulatorIdpEnv(sim.url), {
    port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'on', otlpEndpoint: `http://127.0.0.1:${otlp}`, demoHeaders: 'on', serviceKeys: TEST_SERVICE_KEYS, ...keys.config,
  }), { log: () => {} })
}, 120_000)
afterAll(async () => {
  await idp?.close()
  await collector?.stop()
  await sim?.close()
})

const attacks = async (): Promise<AttackReport> => {
  const res = await fetch(`${query}/api/v1/security/attacks?from=${started}&to=${new Date(Date.now() + 5_000).toISOString()}`)
  expect(res.status).toBe(200)
  return (await res.json()) as AttackReport
}

describe('push bombing through the real IdP, in the attack report', () => {
  it('denied pushes, a fraud report and the push lock land under the attacker\'s network and country, with the user', async () => {
    const victim = await totpAccount(idp.url, 'bombed@example.test', 'workforce', clk, PASSWORD, simulatorCode(sim.url))
    const hash = keys.userHash((await idp.account(victim.email))!.id)

    // The victim pairs a phone (the session has a fresh second factor) and confirms it with the number shown.
    const phone = simulatedPhone(sim.url, idp.url)
    const reg = await victim.api.post('/api/v1/push/devices', { platform: 'android', token: phone.token, public_key: phone.publicKey, name: 'Victim phone' })
    expect(reg.status).toBe(201)
    expect((await victim.api.post('/api/v1/push/devices/verify', { device_id: reg.body.device_id })).body.status).toBe('pending')
    expect((await phone.answer((await phone.nextPush()).data.challenge_id, reg.body.number, 'approved')).body).toEqual({ status: 'approved' })
    expect((await victim.api.post('/api/v1/push/devices/verify', { device_id: reg.body.device_id })).body).toEqual({ status: 'active' })

    // The attacker has the password: each sign-in sends the phone a push; two are denied, the third reported.
    const attacker = client(idp.url, ATTACKER)
    for (const decision of ['denied', 'denied', 'fraud'] as const) {
      const login = await attacker.post('/api/v1/login', { email: victim.email, password: PASSWORD })
      expect(login.status, login.text).toBe(200)
      if (login.body.next !== 'push' || login.body.delivery !== 'sent') {
        const sent = await attacker.post('/api/v1/login/push', { flow_id: login.body.flow_id })
        expect(sent.status, sent.text).toBe(200)
      }
      const answer = await phone.answer((await phone.nextPush()).data.challenge_id, 0, decision)
      expect(answer.body).toEqual({ status: decision === 'fraud' ? 'fraud_reported' : 'denied' })
    }
    // Push is locked now: the attacker's next push is refused.
    const again = await attacker.post('/api/v1/login', { email: victim.email, password: PASSWORD })
    const push = again.body.next === 'push' && again.body.delivery === 'sent' ? again : await attacker.post('/api/v1/login/push', { flow_id: again.body.flow_id })
    expect([push.status, push.body.code]).toEqual([423, 'locked_out'])

    const r = await eventually(async () => {
      const x = await attacks()
      const row = x.by_network.push_bombing.find((p) => p.network === ATTACKER_NET)
      // The report's reads run side by side: wait until every one of them has seen the lock.
      const locked = x.by_network.lockouts.some((l) => l.network === ATTACKER_NET) && x.lockouts.by_reason.fraud_reported >= 1 && (x.push_bombing.find((p) => p.country === 'NG')?.lockouts ?? 0) >= 1
      return row && row.denied >= 2 && row.fraud_reports >= 1 && row.lockouts >= 1 && locked ? x : undefined
    }, 60_000, 500)
    expect(r.by_network.push_bombing).toEqual([
      { network: ATTACKER_NET, country: 'NG', users: 1, user_hashes: [hash], block_listed: true, denied: 2, fraud_reports: 1, lockouts: 1 },
    ])
    expect(r.by_network.lockouts).toEqual([{ network: ATTACKER_NET, country: 'NG', users: 1, user_hashes: [hash], block_listed: true, lockouts: 1, reasons: ['fraud_reported'] }])
    expect(r.push_bombing.find((p) => p.country === 'NG')).toMatchObject({ denied: 2, fraud_reports: 1, lockouts: 1, users: 1 })
    expect(r.lockouts.by_reason.fraud_reported).toBe(1)
    // The attacker's sign-ins were judged high risk for the block-listed address: the signal series shows them.
    expect(r.risk_signals.reduce((a, p) => a + p[4], 0)).toBeGreaterThanOrEqual(3)
  }, 180_000)
})
