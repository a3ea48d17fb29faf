import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../contract/access'
import { newServiceKeyPair } from '../reference-idp/service-auth/assertion'
import { provisionDemoAccounts, type DemoAccount } from '../scripts/demo-accounts'
import { hasChromium, launchChromium } from './support/browser'
import { ensureConsoleBuilt } from './support/console'
import { freePort, requirePrerequisite, ROOT, startProcess, tempDir, type Running } from './support/processes'

/**
 * Console sign-in end to end in Chromium: the real collector (API tokens, the console's own), the
 * reference IdP as the OpenID Connect provider (client factorwatch-console) with demo accounts per
 * role, and the built console (`next start`) signing in through it. A viewer signs in with password
 * + TOTP (codes from oathtool), sees what its role allows, is refused the rest, and signs out; an
 * admin registers a passkey at the IdP (CDP virtual authenticator), signs in with it alone, and
 * finds its own sign-in on the Audit page. Screenshots go to /work/screens/ (outside the repo).
 *
 * The IdP is reached as http://localhost (a passkey RP ID cannot be an IP address); the console
 * as http://127.0.0.1, so the two keep separate cookies as two sites would.
 */
const SCREENS = process.env.FACTORWATCH_SCREENS_DIR || '/work/screens'
const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next')
const OATHTOOL = '/usr/bin/oathtool'
/** test/support/console.ts's build lock: held while this console runs, so no other test rebuilds `.next` under it. */
const BUILD_LOCK = join(ROOT, '.next-build.lock')
let holdingLock = false

/** Build the console if its sources changed, then hold the build lock until afterAll. */
async function builtAndHeld(): Promise<void> {
  await ensureConsoleBuilt()
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK)
      holdingLock = true
      return
    } catch {
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

const chromiumHere = hasChromium()
const oathtoolHere = requirePrerequisite(existsSync(OATHTOOL), `oathtool at ${OATHTOOL} (apt-get install -y oathtool)`)

/** The current code of a TOTP secret (base32), from oathtool as a person's app would show it. */
const oathtool = (secret: string): string => execFileSync(OATHTOOL, ['--totp', '-b', secret], { encoding: 'utf8' }).trim()

let collector: Running
let idp: Running
let consoleProc: Running
let browser: Browser
let consoleUrl: string
let idpUrl: string
let accounts: Map<Role, DemoAccount>

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, name), fullPage: true })

async function newContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: 'UTC', locale: 'en-US' })
}

/** Wait until the browser is at `origin` + `path`; a timeout says where it is instead, what it shows, and the console's last log lines. */
async function arriveAt(page: Page, origin: () => string, path: string): Promise<void> {
  try {
    await page.waitForURL((u) => u.origin === origin() && u.pathname === path, { timeout: 30_000 })
  } catch (err) {
    const text = (await page.locator('body').textContent().catch(() => '')) ?? ''
    throw new Error(`expected ${origin()}${path}, the browser is at ${page.url()} showing "${text.replace(/\s+/g, ' ').slice(0, 300)}"; console log:\n${consoleProc.output().slice(-1500)}`, { cause: err })
  }
}
/** Back on the console at `path` (after the IdP round trip). */
const backAt = (page: Page, path: string) => arriveAt(page, () => consoleUrl, path)
/** On the IdP's page `path`. */
const atIdp = (page: Page, path: string) => arriveAt(page, () => idpUrl, path)

describe.runIf(chromiumHere && oathtoolHere)('console sign-in through the reference IdP (OIDC) in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true })
    const [otlp, query, idpPort, consolePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
    consoleUrl = `http://127.0.0.1:${consolePort}`
    idpUrl = `http://localhost:${idpPort}`
    const consoleToken = randomBytes(24).toString('base64url')
    const clientSecret = randomBytes(32).toString('base64url')
    const serviceKey = newServiceKeyPair('e2e-signin')
    const build = builtAndHeld()
    ;[collector, idp] = await Promise.all([
      startProcess('collector', 'collector/main.ts', [], {
        COLLECTOR_OTLP_PORT: String(otlp), COLLECTOR_QUERY_PORT: String(query), FACTORWATCH_DATA_DIR: tempDir('signin-collector'),
        // The console's own token, plus a viewer token nobody here uses (tokens are on: a bare call is 401).
        COLLECTOR_API_TOKENS: `console:${consoleToken},viewer:${randomBytes(24).toString('base64url')}`,
      }, [/collector query listening/], 240_000),
      startProcess('idp', 'reference-idp/main.ts', [], {
        IDP_PORT: String(idpPort), IDP_HOST: '127.0.0.1', IDP_PUBLIC_URL: idpUrl, IDP_DATA_DIR: 'memory://', IDP_TELEMETRY: 'off', IDP_PASSWORD_COST: '14',
        IDP_SERVICE_KEYS: JSON.stringify({ keys: [serviceKey.publicJwk] }),
        IDP_OIDC_CLIENTS: JSON.stringify([{ client_id: 'factorwatch-console', client_secret: clientSecret, redirect_uris: [`${consoleUrl}/auth/callback`], post_logout_redirect_uris: [`${consoleUrl}/auth/signed-out`] }]),
      }, [/reference-idp listening on/], 240_000),
    ])
    const provisioned = await provisionDemoAccounts({ idpUrl, signingKey: serviceKey.privateJwk, dataDir: tempDir('signin-demo') })
    accounts = new Map(provisioned.map((a) => [a.role, a]))
    await build
    consoleProc = await startProcess('console', NEXT_BIN, ['start', '-p', String(consolePort), '-H', '127.0.0.1'], {
      NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1',
      COLLECTOR_QUERY_URL: `http://127.0.0.1:${query}`, COLLECTOR_API_TOKEN: consoleToken,
      OIDC_ISSUER: `${idpUrl}/oidc`, OIDC_CLIENT_ID: 'factorwatch-console', OIDC_CLIENT_SECRET: clientSecret,
      CONSOLE_PUBLIC_URL: consoleUrl, FACTORWATCH_SESSION_SECRET: randomBytes(48).toString('base64'),
    }, [/Ready in|started server|Local:/i], 120_000, 'node')
    browser = await launchChromium()
  }, 600_000)
  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    await idp?.stop()
    await collector?.stop()
    if (holdingLock) rmdirSync(BUILD_LOCK)
  })

  it('a viewer signs in with password + TOTP, sees the Overview, is refused Security, Audit and a silence, and signs out', async () => {
    const viewer = accounts.get('viewer')!
    const context = await newContext()
    const page = await context.newPage()

    // A protected page sends the browser through the console's sign-in to the IdP's pages.
    await page.goto(`${consoleUrl}/`)
    await atIdp(page, '/login')
    await page.getByLabel('E-mail address').fill(viewer.username)
    await page.getByLabel('Password', { exact: true }).fill(viewer.password)
    await shot(page, 'signin-idp-password.png')
    await page.getByRole('button', { name: 'Continue' }).click()
    const codeField = page.getByLabel('Code from your authenticator app')
    await codeField.waitFor()
    await shot(page, 'signin-idp-second-factor.png')
    await codeField.fill(oathtool(viewer.totp_secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    await backAt(page, '/')

    // Signed in as the viewer: the user menu says so, the Nav lists no Security or Audit.
    await expect.poll(() => page.getByTestId('user-role').textContent()).toBe('viewer')
    const nav = page.getByRole('navigation', { name: 'Console pages' })
    await expect.poll(() => nav.getByRole('link', { name: 'Overview' }).count()).toBe(1)
    expect(await nav.getByRole('link', { name: 'Security' }).count()).toBe(0)
    expect(await nav.getByRole('link', { name: 'Audit' }).count()).toBe(0)
    await shot(page, 'signin-overview-viewer.png')

    // Pages its role may not see render the refusal (403), naming the role that may.
    for (const [path, need] of [['/security', 'security'], ['/audit', 'security']] as const) {
      await page.goto(`${consoleUrl}${path}`)
      const refused = page.getByTestId('page-refused')
      await expect.poll(() => refused.textContent()).toContain(`needs the ${need} role`)
      expect(await refused.textContent()).toContain('you are signed in as viewer')
    }
    await shot(page, 'signin-refused-audit-viewer.png')

    // A forbidden action from the console's own page: refused by the route handler, not only hidden.
    const tried = await page.evaluate(async () => {
      const silence = await fetch('/api/silences', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matchers: 'alertname="x"', durationMinutes: 30, comment: 'e2e', createdBy: 'viewer' }) })
      const audit = await fetch('/api/audit')
      return { silence: { status: silence.status, body: await silence.json() }, audit: audit.status }
    })
    expect(tried.silence.status).toBe(403)
    expect(tried.silence.body.error.message).toContain('needs the sre role')
    expect(tried.audit).toBe(403)

    // Sign out: the console's session ends, the IdP asks to end its own, and the browser lands signed out.
    await page.goto(`${consoleUrl}/`)
    await page.getByTestId('user-menu').getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((u) => u.origin === idpUrl)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await backAt(page, '/auth/signed-out')
    await expect.poll(() => page.getByTestId('signed-out').textContent()).toContain('You are signed out')
    await shot(page, 'signin-signed-out.png')
    // A protected page now redirects to sign-in, and the IdP asks for the password again (its session ended too).
    const again = await context.request.get(`${consoleUrl}/oncall`, { maxRedirects: 0 })
    expect([302, 303, 307]).toContain(again.status())
    // To the provider, or first to the console's sign-in on its canonical host (CONSOLE_PUBLIC_URL), which then goes there.
    const signIn = again.headers().location
    expect(signIn === `${consoleUrl}/auth/login?return_to=${encodeURIComponent('/oncall')}` || signIn.startsWith(`${idpUrl}/oidc/auth?`), signIn).toBe(true)
    await page.goto(`${consoleUrl}/oncall`)
    await atIdp(page, '/login')
    await context.close()
  }, 120_000)

  it('an admin registers a passkey at the IdP, signs into the console with it alone, and finds its sign-in on the Audit page', async () => {
    const admin = accounts.get('admin')!
    const context = await newContext()
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    })

    // Enroll a passkey at the IdP, signed in there with password + TOTP as the account's owner.
    await page.goto(`${idpUrl}/login`)
    await page.getByLabel('E-mail address').fill(admin.username)
    await page.getByLabel('Password', { exact: true }).fill(admin.password)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('Code from your authenticator app').fill(oathtool(admin.totp_secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account')
    await page.goto(`${idpUrl}/passkeys`)
    await page.getByLabel('Name for the new passkey').fill('Virtual laptop')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.getByText('Virtual laptop', { exact: true }).waitFor({ timeout: 15_000 })
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1)
    await context.request.post(`${idpUrl}/api/v1/logout`)
    expect((await context.request.get(`${idpUrl}/api/v1/me`)).status()).toBe(401)

    // The console sends the browser to the IdP, which takes the passkey alone (phishing-resistant).
    await page.goto(`${consoleUrl}/audit`)
    await atIdp(page, '/login')
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click()
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await backAt(page, '/audit')
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('user-role').textContent()).toBe('admin')
    expect(await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Audit' }).count()).toBe(1)

    // Its own sign-in is in the log (the console records it as it completes). The page loads the
    // log in the browser and polls it every 15 s; the "you" mark needs the session's user, which
    // loads on its own. So wait for the row to show, without reloads: a count taken right after
    // each reload ran before the rows rendered on a loaded machine, and never saw them.
    await page.goto(`${consoleUrl}/audit?action=auth.sign_in`)
    const mine = page.getByTestId('audit-row').filter({ hasText: 'you' })
    try {
      await mine.first().waitFor({ timeout: 60_000 })
    } catch (err) {
      await shot(page, 'signin-audit-admin-failed.png')
      const text = (await page.locator('main').textContent().catch(() => '')) ?? ''
      throw new Error(`no sign-in of this admin on /audit; the page shows "${text.replace(/\s+/g, ' ').slice(0, 600)}"; collector log:\n${collector.output().slice(-1500)}`, { cause: err })
    }
    expect(await mine.count()).toBe(1)
    expect(await mine.getAttribute('data-action')).toBe('auth.sign_in')
    expect(await mine.getAttribute('data-result')).toBe('ok')
    expect(await mine.textContent()).toContain('admin')
    // The viewer's refused silence is there too, as denied.
    await page.goto(`${consoleUrl}/audit?result=denied&action=silence.create`)
    await expect.poll(() => page.getByTestId('audit-row').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('audit-row').first().textContent()).toContain('viewer')
    await page.goto(`${consoleUrl}/audit`)
    await page.getByTestId('audit-table').waitFor()
    await shot(page, 'signin-audit-admin.png')
    await context.close()
  }, 120_000)
})
