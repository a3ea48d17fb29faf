import { mkdirSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { hasChromium, launchChromium, signUpWithApp } from './support/browser'
import { capture } from './support/idp-client'
import { simulatorCode } from './support/signup'
import { simulatedPhone, type SimulatedPhone } from './support/phone'
import { ROOT } from './support/processes'
import { totpAt } from './support/totp'

/**
 * Adding a phone for push approval in a real browser: the page shows a pairing QR code, the
 * "phone app" (this test, with its own P-256 key) registers with the code through the JSON
 * API, the page shows the test push's number, the app answers the push the simulator
 * delivered, and the page lists the phone. Then a sign-in approved on the phone.
 */

const chromiumHere = hasChromium()
let sim: Simulator
let idp: RunningIdp
let browser: Browser
let base: string

describe.runIf(chromiumHere)('push pairing in Chromium (provider simulator)', () => {
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 3, timeScale: 0.02, baseline: 'clean' })
    idp = await startIdp(loadIdpConfig(simulatorIdpEnv(sim.url), { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off' }), { telemetry: capture().t, log: () => {} })
    base = idp.url.replace('127.0.0.1', 'localhost')
    browser = await launchChromium()
    phone = simulatedPhone(sim.url, base)
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await idp?.close()
    await sim?.close()
  })

  /** The phone app: a key pair, an FCM token, and what the simulator delivered to it. */
  let phone: SimulatedPhone
  const shownNumber = async (page: import('playwright-core').Page) => Number(await page.locator('.match-number').textContent())

  it('pair a phone by QR code, then approve a sign-in on it', async () => {
    const page = await (await browser.newContext()).newPage()
    const secret = await signUpWithApp(page, base, 'push-pair@example.test', simulatorCode(sim.url))
    await page.getByRole('link', { name: 'Phones for push approval' }).click()
    // Adding a factor needs a fresh second factor.
    await page.getByRole('button', { name: 'Add a phone' }).click()
    await page.getByRole('button', { name: 'Confirm with my second factor' }).click()
    await page.getByLabel('Code from your authenticator app').fill(totpAt(secret, Date.now() + 30_000))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.goto(`${base}/push`)
    await page.getByRole('button', { name: 'Add a phone' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Add a phone for push approval')
    expect(await page.getByRole('img', { name: 'QR code for pairing the phone app' }).locator('svg').count()).toBe(1)
    const code = (await page.locator('code').first().textContent())!
    mkdirSync(`${ROOT}test-results`, { recursive: true })
    await page.screenshot({ path: `${ROOT}test-results/idp-push-pairing.png`, fullPage: true })

    // The app scans the code and registers its key.
    const reg = await fetch(`${base}/api/v1/push/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'android', token: phone.token, public_key: phone.publicKey, name: 'Pixel 9', pairing_code: code }) })
    expect(reg.status).toBe(201)
    await page.getByRole('button', { name: 'My phone has scanned it' }).click()
    const number = await shownNumber(page)
    expect(number).toBeGreaterThanOrEqual(10)
    const test = await phone.nextPush()
    expect((await phone.answer(test.data.challenge_id, number)).status).toBe(200)
    await page.getByRole('button', { name: 'I typed it' }).click()
    await expect.poll(() => page.locator('li strong').textContent()).toBe('Pixel 9')
    expect(await page.locator('li').textContent()).toContain('push approval, Android; on')

    // Sign out and in: the password step now pushes to the phone, which approves with the number shown.
    await page.goto(`${base}/`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('E-mail address').fill('push-pair@example.test')
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery')
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Approve on your phone')
    const loginPush = await phone.nextPush()
    expect((await phone.answer(loginPush.data.challenge_id, await shownNumber(page))).status).toBe(200)
    await page.getByRole('button', { name: 'I approved it' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account')
  })
})
