import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type Page } from 'playwright-core'
import { requirePrerequisite } from './processes'
import { provision } from './idp-client'
import { totpAt } from './totp'
import type { ReadCode } from './signup'

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium'

/** Whether browser tests can run; under CI=true a missing Chromium fails the run instead. */
export const hasChromium = (): boolean => requirePrerequisite(existsSync(CHROMIUM), `Debian chromium at ${CHROMIUM} (apt-get install -y chromium)`)

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })

/** A page as the console tests see it: a wide desktop viewport, UTC, US English. */
export async function consolePage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: 'UTC', locale: 'en-US' })
  return ctx.newPage()
}

/**
 * Sign up on the IdP's /signup form, type the code mailed to the address (`readCode`), and turn
 * on an authenticator app from the account page, as a person would; returns the app's secret
 * (base32) for the codes that follow.
 */
export async function signUpWithApp(page: Page, base: string, email: string, readCode: ReadCode, group?: 'admin' | 'workforce'): Promise<string> {
  await page.goto(`${base}/signup`)
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Password (at least 12 characters)').fill('correct horse battery')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByLabel('Code from the e-mail').fill(await readCode(email))
  await page.getByRole('button', { name: 'Create account' }).click()
  // Account types are provisioned (the test IdP's service token), never chosen at sign-up.
  if (group) await provision(base, email, group)
  await page.getByRole('button', { name: 'Add an authenticator app' }).click()
  const secret = (await page.locator('code').first().textContent())!
  await page.getByLabel('Code from your authenticator app').fill(totpAt(secret, Date.now()))
  await page.getByRole('button', { name: 'Turn on' }).click()
  return secret
}

/**
 * WCAG 2.2 AA violations axe-core finds on the page, as `id (nodes)`. axe is injected by the
 * test, so open the page in a context with `bypassCSP: true` (the IdP allows no inline scripts).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') })
  return page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
    return r.violations.map((v) => `${v.id} (${v.nodes.length})`)
  })
}
