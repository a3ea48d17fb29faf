import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { requirePrerequisite } from './processes'

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
