import type { Browser } from 'playwright-core'
import { hasChromium, launchChromium, signUpWithApp } from './support/browser'
import { ROOT } from './support/processes'
import { totpAt } from './support/totp'
import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { capture, client, provision, TEST_SERVICE_KEYS } from './support/idp-client'
import { outboxCode, signUp } from './support/signup'
import { createLocalOutbox } from '../reference-idp/subprocessors/local'

/** [event, outcome, reason] of one flow's events, in emission order. */
const ofFlow = (events: Record<string, string | number>[], flowId: string) => events.filter((e) => e['mfa.flow_id'] === flowId).map((e) => [e['event.name'], e['mfa.outcome'] ?? null, e['mfa.reason'] ?? null])

/**
 * Passkeys in a real browser: Chromium's CDP virtual authenticator (CTAP2, internal transport,
 * resident keys, user verification) stands in for Touch ID / Windows Hello. The page is served
 * on http://localhost (a secure context; IP addresses cannot be RP IDs).
 */

const chromiumHere = hasChromium()

let idp: RunningIdp
let tel: ReturnType<typeof capture>
let browser: Browser
let base: string
const box = createLocalOutbox()

describe.runIf(chromiumHere)('passkeys in Chromium', () => {
  beforeAll(async () => {
    tel = capture()
    idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off', rateSignupPerHour: 600, serviceKeys: TEST_SERVICE_KEYS }), { telemetry: tel.t, sender: box, log: () => {} })
    base = idp.url.replace('127.0.0.1', 'localhost')
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await idp?.close()
  })

  it('the HTML forms work in a real browser: sign up, add an authenticator app, sign out, sign in with its code', async () => {
    const page = await (await browser.newContext()).newPage()
    const secret = await signUpWithApp(page, base, 'forms-e2e@example.test', outboxCode(box))
    await expect.poll(() => page.locator('li').first().textContent()).toContain('authenticator app; on')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('E-mail address').fill('forms-e2e@example.test')
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('Code from your authenticator app').fill(totpAt(secret, Date.now() + 30_000))
    await page.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account')
    // Rename the app by its form, then change the password on the settings page (the second factor is fresh).
    await page.getByLabel('New name for Authenticator app').fill('Phone app')
    await page.getByRole('button', { name: 'Rename' }).click()
    await expect.poll(() => page.locator('li strong').first().textContent()).toBe('Phone app')
    mkdirSync(`${ROOT}test-results`, { recursive: true })
    await page.screenshot({ path: `${ROOT}test-results/idp-account.png`, fullPage: true })
    await page.getByRole('link', { name: 'Account settings' }).click()
    await page.getByLabel('Current password').fill('correct horse battery')
    await page.getByLabel('New password (at least 12 characters)').fill('a better passphrase')
    await page.getByRole('button', { name: 'Change password' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your password is changed')
    await page.screenshot({ path: `${ROOT}test-results/idp-settings.png`, fullPage: true })
    await page.goto(`${base}/`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account') // still signed in
  })

  it('the admin console in a real browser: an exemption asked by one admin waits for a second', async () => {
    await signUp(client(base), 'console-target@example.test', 'correct horse battery', outboxCode(box))
    await provision(base, 'console-target@example.test', 'workforce')
    const page = await (await browser.newContext()).newPage()
    const secret = await signUpWithApp(page, base, 'console-admin@example.test', outboxCode(box), 'admin')
    // Admin pages need a fresh second factor: /admin asks for a step-up first.
    await page.goto(`${base}/admin`)
    await page.getByRole('button', { name: 'Confirm with my second factor' }).click()
    await page.getByLabel('Code from your authenticator app').fill(totpAt(secret, Date.now() + 30_000))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.goto(`${base}/admin`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Administration')
    await page.getByLabel('E-mail address of the account').fill('console-target@example.test')
    await page.getByLabel('Kind').selectOption('break_glass')
    await page.getByLabel(/For how many minutes/).fill('30')
    await page.locator('#reason-new-exemption').fill('SMS vendor outage, ticket 4711')
    await page.getByRole('button', { name: 'Ask to turn MFA off' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('A second admin must approve it')
    await expect.poll(() => page.locator('table').filter({ hasText: 'console-target@example.test' }).textContent()).toContain('waiting for a second admin')
    // Account types are set here, never at sign-up: one admin makes a vendor account.
    await page.getByLabel('Account whose type changes (its e-mail address)').fill('console-target@example.test')
    await page.getByLabel('New account type').selectOption('vendor')
    await page.locator('#reason-account-type').fill('contractor from now on')
    await page.getByRole('button', { name: 'Change account type' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('the account is now vendor')
    await page.screenshot({ path: `${ROOT}test-results/idp-admin.png`, fullPage: true })
  })

  it('sign up, add a passkey on /passkeys, sign out, sign in on /login/passkey without a password', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    })

    const started = await context.request.post(`${base}/api/v1/signup`, { data: { email: 'passkey-e2e@example.test', password: 'correct horse battery' } })
    const code = await outboxCode(box)('passkey-e2e@example.test')
    const signup = await context.request.post(`${base}/api/v1/signup/verify`, { data: { signup_id: (await started.json()).signup_id, code } })
    expect(signup.status()).toBe(201)
    await provision(base, 'passkey-e2e@example.test', 'admin') // account types are provisioned, not chosen at sign-up

    await page.goto(`${base}/passkeys`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Passkeys')
    await page.getByLabel('Name for the new passkey').fill('Virtual laptop')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.getByText('Virtual laptop', { exact: true }).waitFor({ timeout: 15_000 })
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0].isResidentCredential).toBe(true)
    expect(credentials[0].rpId).toBe('localhost')

    await context.request.post(`${base}/api/v1/logout`)
    expect((await context.request.get(`${base}/api/v1/me`)).status()).toBe(401)

    await page.goto(`${base}/login/passkey`)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForURL(`${base}/`, { timeout: 15_000 })
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account')
    expect((await context.request.get(`${base}/api/v1/me`)).status()).toBe(200)
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount).toBeGreaterThan(0)

    const completed = tel.named('mfa.login.completed').filter((e) => e['mfa.reason'] === 'passwordless')
    expect(completed).toHaveLength(1)
    const flowId = String(completed[0]['mfa.flow_id'])
    expect(ofFlow(tel.events, flowId)).toEqual([
      ['mfa.challenge.issued', null, 'login_required'],
      ['mfa.login.started', null, 'passwordless'],
      ['mfa.challenge.verified', 'success', 'ok'],
      ['mfa.login.completed', 'success', 'passwordless'],
    ])
    expect(completed[0]).toMatchObject({ 'mfa.factor': 'webauthn', 'mfa.user_group': 'admin', 'mfa.client': 'web' })
    expect(tel.named('mfa.enrollment.changed').filter((e) => e['mfa.factor'] === 'webauthn').map((e) => e['mfa.reason'])).toEqual(['enrolled', 'activated'])

    // A cancelled prompt is announced, not silent: the authenticator now refuses verification.
    await context.request.post(`${base}/api/v1/logout`)
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false })
    await page.goto(`${base}/login/passkey`)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/cancelled|could not be verified/)
    // On the IP address the page says where passkeys work instead of failing obscurely.
    await page.goto(`${idp.url}/login/passkey`)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain(`open this page at ${base}/login/passkey`)
    await context.close()
  })
})
