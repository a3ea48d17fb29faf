import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { hashPassword, scryptForCost } from '../reference-idp/factors/password'
import { loadKeys } from '../reference-idp/keys'
import type { RunningIdp } from '../reference-idp/server'
import { openPglite } from '../reference-idp/store/db'
import { createRepo } from '../reference-idp/store/repo'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { axeViolations, hasChromium, launchChromium } from './support/browser'
import { client, startTestIdp } from './support/idp-client'
import { outboxCode, signUp } from './support/signup'

/**
 * New passwords over HTTP and in the pages (ASVS 4.0.3 2.1.1, 2.1.2, 2.1.7, 2.1.8, 2.1.12; NIST
 * SP 800-63B 5.1.1.2): sign-up and password change refuse short, long, common, breached and
 * context-derived passwords with a 400 naming the rule; sign-in never applies the new rules;
 * the forms have a show-password button and a strength meter run by an external script.
 */
const PASSWORD = 'correct horse battery staple'
const KEYS = { secretKey: randomBytes(32).toString('hex'), userHashKey: randomBytes(32).toString('hex') }
let idp: RunningIdp
let box: LocalOutbox
beforeAll(async () => {
  ;({ idp, box } = (await startTestIdp(() => openPglite('memory://'), () => new Date(), KEYS))!)
})
afterAll(async () => idp?.close())

describe('new-password rules over HTTP', () => {
  it.each([
    ['password', 'too_short', /^password: must be at least 12 characters \(runs of spaces count as one\); got 8$/],
    ['12345678', 'too_short', /^password: must be at least 12 characters/],
    ['eleven char', 'too_short', /got 11$/],
    ['a  b  c  d  e  f', 'too_short', /got 11$/],
    ['Zq9-'.repeat(33), 'too_long', /^password: must be at most 128 characters; got 132$/],
    ['x'.repeat(1024), 'too_long', /^password: must be at most 128 characters/],
    ['password1234', 'common', /^password: is on a list of common or breached passwords/],
    ['Qwertyuiop123!', 'common', /common or breached/],
    ['dana.rivers 2024', 'context', /^password: must not contain your e-mail address, its name part or the name of this service$/],
    ['my FactorWatch login', 'context', /name of this service/],
    ['zaq12wsxcde34rfv', 'guessable', /^password: is too easy to guess/],
  ])('sign-up with %j is refused (%s) and creates nothing', async (password, rule, message) => {
    const r = await client(idp.url).post('/api/v1/signup', { email: 'dana.rivers@example.test', password })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('bad_request')
    expect(r.body.message).toMatch(message)
    expect(r.body.field).toBe('password')
    if (rule !== 'too_short' && rule !== 'too_long') expect(r.body.rule).toBe(rule)
    expect(box.messagesTo('dana.rivers@example.test')).toHaveLength(0)
  })

  it('sign-in still accepts an existing account whose password predates the rules (no lock-out)', async () => {
    const repo = createRepo(idp.db, loadKeys({ ...KEYS, dataDir: 'memory://' }))
    await repo.insertUser({ id: 'old-account', email: 'old.timer@example.test', passwordHash: await hashPassword('hunter2', scryptForCost(14)), userGroup: 'customer' })
    expect((await client(idp.url).post('/api/v1/login', { email: 'old.timer@example.test', password: 'hunter2' })).body).toEqual({ status: 'authenticated' })
  })

  it('a password change applies the same rules to the new password, with the account\'s own address as context', async () => {
    const email = 'erin.change@example.test'
    const api = client(idp.url)
    await signUp(api, email, PASSWORD, outboxCode(box))
    const change = (new_password: string) => api.post('/api/v1/account/password', { current_password: PASSWORD, new_password })
    for (const [pw, msg] of [
      ['short one', /^new_password: must be at least 12 characters/],
      ['password1234', /^new_password: is on a list of common or breached passwords/],
      ['erin change rocks', /^new_password: must not contain your e-mail address/],
    ] as const) {
      const r = await change(pw)
      expect([r.status, r.body.field]).toEqual([400, 'new_password'])
      expect(r.body.message).toMatch(msg)
    }
    const ok = await change('plum violin seventeen kites')
    expect(ok.status).toBe(200)
    expect((await client(idp.url).post('/api/v1/login', { email, password: 'plum violin seventeen kites' })).body).toEqual({ status: 'authenticated' })
  })
})

describe('password fields in the pages', () => {
  it('sign-up and settings have a show-password button, a strength meter and only external scripts', async () => {
    const api = client(idp.url)
    await signUp(api, 'gus.settings@example.test', PASSWORD, outboxCode(box))
    const settings = (await api.get('/account')).text
    expect(settings).toMatch(/<label for="new_password">New password \(at least 12 characters\)<\/label>/)
    expect(settings).toMatch(/data-password-toggle aria-controls="new_password"/)
    expect(settings).toMatch(/data-strength-for="new_password"/)
    expect(settings).toContain('<script src="/assets/password.js" defer></script>')
    const html = (await client(idp.url).get('/signup')).text
    expect(html).toMatch(/<label for="password">Password \(at least 12 characters\)<\/label>/)
    expect(html).toMatch(/<button type="button" class="pw-toggle" data-password-toggle aria-controls="password" aria-pressed="false" hidden>Show password<\/button>/)
    expect(html).toMatch(/<meter min="0" max="4"[^>]*aria-label="Strength"/)
    expect(html).toMatch(/aria-describedby="password-hint password-strength"/)
    expect(html).toContain('<script src="/assets/password.js" defer></script>')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/) // no inline script (CSP)
    for (const [path, marker] of [['/assets/password.js', 'data-password-toggle'], ['/assets/zxcvbn-core.js', 'ZxcvbnFactory'], ['/assets/zxcvbn-common.js', 'passwords-common']]) {
      const r = await client(idp.url).get(path)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect(r.text).toContain(marker)
    }
  })

  it.skipIf(!hasChromium())('in Chromium the button shows and hides the password and the meter follows what is typed', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`))
      await page.goto(`${idp.url}/signup`)
      await page.getByLabel('E-mail address').fill('fay@example.test')
      const input = page.getByLabel('Password (at least 12 characters)')
      const toggle = page.getByRole('button', { name: 'Show password' })
      await expect.poll(() => toggle.isVisible()).toBe(true)
      await input.fill('password1234')
      const text = page.locator('[data-strength-text]')
      await expect.poll(() => text.textContent()).toMatch(/^Strength: (Very weak|Weak).*will be refused/)
      expect(Number(await page.locator('meter').getAttribute('value') ?? await page.locator('meter').evaluate((m: HTMLMeterElement) => m.value))).toBeLessThan(3)
      await input.fill('short')
      await expect.poll(() => text.textContent()).toBe('Strength: too short (5 of at least 12 characters)')
      await input.fill('plum violin seventeen kites')
      await expect.poll(() => text.textContent()).toMatch(/^Strength: (Strong|Very strong)$/)
      expect(await page.locator('meter').evaluate((m: HTMLMeterElement) => m.value)).toBeGreaterThanOrEqual(3)
      expect(await input.getAttribute('type')).toBe('password')
      await toggle.click()
      expect(await input.getAttribute('type')).toBe('text')
      await expect.poll(() => page.getByRole('button', { name: 'Hide password' }).getAttribute('aria-pressed')).toBe('true')
      await page.getByRole('button', { name: 'Hide password' }).click()
      expect(await input.getAttribute('type')).toBe('password')
      expect(errors.join('\n')).toBe('')
    } finally {
      await browser.close()
    }
  }, 60_000)

  it.skipIf(!hasChromium())('the sign-up and settings pages with their button and meter shown pass axe-core (WCAG 2.2 AA)', async () => {
    const browser = await launchChromium()
    try {
      // axe is injected by the test, so the page's CSP (no inline scripts) is bypassed for it alone.
      const page = await (await browser.newContext({ bypassCSP: true })).newPage()
      const axe = () => axeViolations(page)
      await page.goto(`${idp.url}/signup`)
      const email = 'hana.axe@example.test'
      await page.getByLabel('E-mail address').fill(email)
      await page.getByLabel('Password (at least 12 characters)').fill(PASSWORD)
      await expect.poll(() => page.getByRole('button', { name: 'Show password' }).isVisible()).toBe(true)
      expect(await axe()).toEqual([])
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.getByLabel('Code from the e-mail').fill(await outboxCode(box)(email))
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.goto(`${idp.url}/account`)
      await page.getByLabel('New password (at least 12 characters)').fill('plum violin')
      await expect.poll(() => page.locator('[data-strength-text]').textContent()).toMatch(/too short/)
      expect(await axe()).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})
