import { mkdirSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { hasChromium, launchChromium } from './support/browser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsole } from './support/console'
import { freePort, ROOT, runToExit, type Running } from './support/processes'
import { startStack, type Stack } from './support/stack'

const chromiumHere = hasChromium()

let stack: Stack
let consoleProc: Running
let browser: Browser
let consoleUrl: string

describe.runIf(chromiumHere)('console Overview with real traffic', () => {
  beforeAll(async () => {
    stack = await startStack()
    const port = await freePort()
    consoleProc = await startConsole(port, stack.queryUrl)
    consoleUrl = `http://127.0.0.1:${port}`
    // Real traffic through the IdP: finite, seeded, with typos and abandoned logins.
    const traffic = await runToExit('reference-idp/traffic/main.ts',
      ['--target', stack.idpUrl, '--simulator', stack.simulatorUrl, '--users', '40', '--rate', '8', '--count', '40', '--seed', '7', '--think-scale', '0.05', '--quiet'])
    if (traffic.code !== 0) throw new Error(`traffic exited ${traffic.code}:\n${traffic.output}`)
    expect(traffic.output).toMatch(/authenticated [1-9]/)
    browser = await launchChromium()
  }, 300_000)
  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    await stack?.stop()
  })

  it('shows non-zero success rate and latency percentiles', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    await page.goto(`${consoleUrl}/?range=1h`)
    await expect.poll(async () => (await page.getByTestId('m1-value').textContent()) ?? '', { timeout: 60_000, interval: 2000 }).toMatch(/^\d+(\.\d+)?%$/)
    const m1 = parseFloat((await page.getByTestId('m1-value').textContent())!)
    expect(m1).toBeGreaterThan(0)
    expect(m1).toBeLessThanOrEqual(100)
    const p95 = (await page.getByTestId('p95-value').textContent())!
    expect(p95).toMatch(/^\d+(\.\d+)? (ms|s)$/)
    expect(parseFloat(p95)).toBeGreaterThan(0)
    mkdirSync(`${ROOT}test-results`, { recursive: true })
    await page.screenshot({ path: `${ROOT}test-results/e2e-overview.png`, fullPage: true })
    await page.close()
  })
})
