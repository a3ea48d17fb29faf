import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { ROLES, DEFAULT_ROLES_CLAIM } from '../contract/access'
import { newServiceKeyPair } from '../reference-idp/service-auth/assertion'
import { openPglite } from '../reference-idp/store/db'
import { newSigningKey } from '../reference-idp/oidc/settings'
import { provisionDemoAccounts } from '../scripts/demo-accounts'
import { demoCode } from '../scripts/demo-code'
import { runToExit, tempDir } from './support/processes'
import { browser, startOidcIdp, type RunningOidcIdp } from './support/oidc-rp'

/**
 * npm start's demo accounts: one per role, created through the IdP's provisioning API with signed
 * assertions, kept in .data/demo-accounts.json (0600) and the same after a restart; the code
 * printer; and a demo account signing in through OIDC with the printed code.
 */
const key = newServiceKeyPair('demo-test')

describe('demo accounts', () => {
  let t: RunningOidcIdp
  const dataDir = tempDir('demo-accounts-')
  beforeAll(async () => {
    t = (await startOidcIdp(() => openPglite('memory://'), { serviceKeys: JSON.stringify({ keys: [key.publicJwk] }), oidcSigningKeys: JSON.stringify({ keys: [newSigningKey('k')] }) }))!
  })
  afterAll(async () => t?.idp.close())

  it('creates one account per role, writes them 0600, and is idempotent across runs', async () => {
    const first = await provisionDemoAccounts({ idpUrl: t.idp.url, signingKey: key.privateJwk, dataDir })
    expect(first.map((a) => a.role)).toEqual([...ROLES])
    expect(new Set(first.map((a) => a.username)).size).toBe(5)
    const file = join(dataDir, 'demo-accounts.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const again = await provisionDemoAccounts({ idpUrl: t.idp.url, signingKey: JSON.stringify(key.privateJwk), dataDir })
    expect(again).toEqual(first)
    // A key the IdP does not trust is refused, naming the account.
    await expect(provisionDemoAccounts({ idpUrl: t.idp.url, signingKey: newServiceKeyPair('stranger').privateJwk, dataDir })).rejects.toThrow(/demo account viewer: the IdP answered 401/)
  })

  it('the printed code signs the account in through OIDC, with its role in the ID token', async () => {
    const accounts = await provisionDemoAccounts({ idpUrl: t.idp.url, signingKey: key.privateJwk, dataDir })
    const sre = accounts.find((a) => a.role === 'sre')!
    const b = browser(t.idp.url)
    const a = await t.authorization()
    await b.follow(a.url)
    const form = await b.follow('/login', { form: { email: sre.username, password: sre.password } })
    const flowId = /name="flow_id" value="([^"]+)"/.exec(form.text)?.[1]
    const code = demoCode('sre', dataDir)
    expect(code.ok).toBe(true)
    const done = await b.follow('/login/totp', { form: { flow_id: flowId!, code: code.ok ? code.code : '' } })
    const claims = (await t.tokens(done.left!, a)).claims()!
    expect(claims[DEFAULT_ROLES_CLAIM]).toEqual(['sre'])
    expect(claims.amr).toContain('otp')
  })

  it('demo:code refuses an unknown role and a missing file with exit 2 and one line', async () => {
    expect(demoCode('root', dataDir)).toEqual({ ok: false, message: expect.stringContaining('unknown role "root": expected one of viewer, sre, security, operator, admin') })
    expect(demoCode('viewer', tempDir('demo-empty-'))).toEqual({ ok: false, message: expect.stringContaining('demo-accounts.json is missing') })
    const [run, ok] = await Promise.all([
      runToExit('scripts/demo-code.ts', ['root'], { DEMO_DATA_DIR: dataDir }, 30_000),
      runToExit('scripts/demo-code.ts', ['admin'], { DEMO_DATA_DIR: dataDir }, 30_000),
    ])
    expect(run.code).toBe(2)
    expect(run.output.trim().split('\n')).toEqual(['demo:code: unknown role "root": expected one of viewer, sre, security, operator, admin'])
    expect(ok.code).toBe(0)
    expect(ok.output.trim()).toMatch(/^\d{6}$/)
  })
})
