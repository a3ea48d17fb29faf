/**
 * The console's Overview in a real browser: production build under `next start`, reading a
 * fake collector query API (a real HTTP server serving the contract's shapes) through the
 * console's own route handlers.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { consolePage, hasChromium, launchChromium } from './support/browser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsole } from './support/console'
import { eventually, freePort, ROOT, type Running } from './support/processes'

const SHOTS = join(ROOT, 'test-results')
// Next's build otherwise tries to patch package-lock.json over the network.
process.env.NEXT_IGNORE_INCORRECT_LOCKFILE = '1'

type Mode = 'ok' | 'empty' | 'error' | 'bad-shape' | 'slow'

/** Fake collector query API: canned data over the requested window, switchable failure modes. */
function fakeCollector() {
  const state = { mode: 'ok' as Mode, requests: [] as URL[] }
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const buckets = (u: URL) => {
    const from = Date.parse(u.searchParams.get('from')!)
    const to = Date.parse(u.searchParams.get('to')!)
    const step = Number(u.searchParams.get('step')) * 1000
    const out: number[] = []
    for (let t = Math.ceil(from / step) * step; t < to && out.length < 500; t += step) out.push(t)
    return out
  }
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url!, 'http://fake')
    state.requests.push(u)
    if (u.pathname === '/healthz') return send(res, 200, { status: 'ok' })
    if (state.mode === 'slow') await new Promise((r) => setTimeout(r, 2500))
    if (state.mode === 'error') return send(res, 500, { error: { code: 'storage_error', message: 'ClickHouse query failed: MEMORY_LIMIT_EXCEEDED' } })
    const ts = buckets(u)
    const empty = state.mode === 'empty'
    if (u.pathname === '/api/v1/metrics') {
      if (state.mode === 'bad-shape') return send(res, 200, { M1: { value: '97.5%', series: [] }, M2: { value: null, series: [] } })
      return send(res, 200, {
        window: { from: u.searchParams.get('from'), to: u.searchParams.get('to'), step: Number(u.searchParams.get('step')) },
        M1: empty ? { value: null, series: [] } : { value: 0.975, series: ts.map((t, i) => [t, i % 17 === 5 ? 0.91 : 0.97 + 0.02 * Math.sin(i / 4) ** 2]) },
        M2: empty
          ? { value: null, series: [] }
          : { value: { p50: 420, p95: 1840, p99: 3100 }, series: ts.map((t, i) => [t, 380 + 60 * Math.sin(i / 5), 1650 + 300 * Math.sin(i / 7) ** 2, 2900 + 500 * Math.sin(i / 3) ** 2]) },
      })
    }
    if (u.pathname === '/api/v1/outcomes') {
      if (empty) return send(res, 200, { totals: {}, series: [] })
      const series = ts.map((t, i) => [t, { success: 40 + (i % 9), failure: 1 + (i % 3), expired: i % 5 === 0 ? 1 : 0, rate_limited: i % 17 === 5 ? 6 : 0 }] as const)
      const totals: Record<string, number> = {}
      for (const [, c] of series) for (const [k, v] of Object.entries(c)) totals[k] = (totals[k] ?? 0) + v
      return send(res, 200, { totals, series })
    }
    send(res, 404, { error: { code: 'not_found', message: `no route ${u.pathname}` } })
  })
  return { server, state }
}

const spanOf = (u: URL) => (Date.parse(u.searchParams.get('to')!) - Date.parse(u.searchParams.get('from')!)) / 1000
const metricsRequests = (s: { requests: URL[] }) => s.requests.filter((u) => u.pathname === '/api/v1/metrics')


describe.runIf(hasChromium())('console Overview', () => {
  const fake = fakeCollector()
  let collectorPort = 0
  let consoleProc: Running
  let browser: Browser
  let page: Page
  let base = ''

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    collectorPort = await freePort()
    await new Promise<void>((r) => fake.server.listen(collectorPort, '127.0.0.1', r))
    const port = await freePort()
    consoleProc = await startConsole(port, `http://127.0.0.1:${collectorPort}`)
    base = `http://127.0.0.1:${port}`
    browser = await launchChromium()
    page = await consolePage(browser)
  }, 300_000)

  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    fake.server.closeAllConnections()
    await new Promise((r) => fake.server.close(r))
  })

  it('shows M1 and M2 from the collector, with targets, and the collector status', async () => {
    await page.goto(`${base}/`)
    await expect.poll(() => page.getByTestId('m1-value').textContent(), { timeout: 20_000 }).toBe('97.5%')
    expect(await page.getByTestId('p50-value').textContent()).toBe('420 ms')
    expect(await page.getByTestId('p95-value').textContent()).toBe('1.84 s')
    expect(await page.getByTestId('p99-value').textContent()).toBe('3.10 s')
    const m1Card = page.locator('section', { has: page.getByTestId('m1-value') })
    expect(await m1Card.getByText('Below target').count()).toBe(1)
    const p95Card = page.locator('section', { has: page.getByTestId('p95-value') })
    expect(await p95Card.getByText('Meets target').count()).toBe(1)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview')
    await expect.poll(() => page.getByTestId('collector-status').textContent()).toContain('Collector connected')
    // Charts carry a text alternative and the outcome breakdown lists the canned outcomes.
    expect(await page.getByRole('img', { name: /MFA success rate over \d+ buckets/ }).count()).toBe(1)
    expect(await page.getByTestId('outcome-rate_limited').count()).toBe(1)
    // Default range: the last hour in 30 s steps.
    const first = metricsRequests(fake.state).at(-1)!
    expect([spanOf(first), first.searchParams.get('step'), first.searchParams.get('ids')]).toEqual([3600, '30', 'M1,M2'])
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, 'console-overview.png'), fullPage: true })
  })

  it('keeps the time range and filters in the URL and sends them to the collector', async () => {
    await page.getByRole('radio', { name: '24h' }).check()
    await page.waitForURL(/\?range=24h$/)
    await eventually(async () => metricsRequests(fake.state).some((u) => spanOf(u) === 86400 && u.searchParams.get('step') === '900'))

    // Keyboard: arrow keys move through the radio group.
    await page.getByRole('radio', { name: '24h' }).focus()
    await page.keyboard.press('ArrowLeft')
    await page.waitForURL(/\?range=6h$/)
    await eventually(async () => metricsRequests(fake.state).some((u) => spanOf(u) === 21600))

    await page.getByLabel('Factor', { exact: true }).selectOption('totp')
    await page.waitForURL(/\?range=6h&factor=totp$/)
    await eventually(async () => metricsRequests(fake.state).some((u) => u.searchParams.get('factor') === 'totp' && spanOf(u) === 21600))

    await page.reload()
    await expect.poll(() => page.getByTestId('m1-value').textContent(), { timeout: 20_000 }).toBe('97.5%')
    expect(await page.getByRole('radio', { name: '6h' }).isChecked()).toBe(true)
    expect(await page.getByLabel('Factor', { exact: true }).inputValue()).toBe('totp')

    await page.getByRole('radio', { name: 'Custom' }).check()
    await page.getByLabel('From', { exact: true }).fill('2025-03-10T08:00')
    await page.getByLabel('To', { exact: true }).fill('2025-03-10T10:30')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL((u) => u.searchParams.get('from') === '2025-03-10T08:00:00.000Z' && u.searchParams.get('to') === '2025-03-10T10:30:00.000Z' && !u.searchParams.has('range'))
    await eventually(async () =>
      metricsRequests(fake.state).some((u) => u.searchParams.get('from') === '2025-03-10T08:00:00.000Z' && u.searchParams.get('to') === '2025-03-10T10:30:00.000Z' && u.searchParams.get('factor') === 'totp'),
    )
    expect(await page.getByText('2025-03-10 08:00 – 2025-03-10 10:30 UTC').count()).toBe(1)
    await expect.poll(() => page.getByTestId('m1-value').textContent()).toBe('97.5%')
    // A laptop-sized window: everything fits without horizontal scrolling.
    await page.setViewportSize({ width: 1100, height: 1000 })
    await page.reload()
    await expect.poll(() => page.getByTestId('m1-value').textContent(), { timeout: 20_000 }).toBe('97.5%')
    await page.waitForTimeout(300)
    expect(await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])).toEqual([1100, 1100])
    await page.screenshot({ path: join(SHOTS, 'console-overview-custom.png'), fullPage: true })
    await page.setViewportSize({ width: 1440, height: 1000 })
  })

  it('shows a skeleton while the collector is slow', async () => {
    fake.state.mode = 'slow'
    await page.goto(`${base}/?range=1h`)
    const skeleton = page.getByLabel('Loading overview')
    await skeleton.waitFor({ timeout: 5_000 })
    expect(await skeleton.getAttribute('aria-busy')).toBe('true')
    await page.screenshot({ path: join(SHOTS, 'console-overview-loading.png') })
    await expect.poll(() => page.getByTestId('m1-value').textContent(), { timeout: 20_000 }).toBe('97.5%')
    fake.state.mode = 'ok'
  })

  it('shows a designed empty state when the collector has no events', async () => {
    fake.state.mode = 'empty'
    await page.goto(`${base}/?range=15m`)
    await page.getByRole('heading', { name: 'No MFA events in this range yet' }).waitFor({ timeout: 20_000 })
    expect(await page.getByText('Is the IdP sending to the collector?').count()).toBe(1)
    await page.screenshot({ path: join(SHOTS, 'console-overview-empty.png'), fullPage: true })
  })

  it('shows the collector error with a retry that recovers', async () => {
    fake.state.mode = 'error'
    await page.goto(`${base}/?range=1h`)
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load the overview' })
    await alert.waitFor({ timeout: 20_000 })
    expect(await alert.textContent()).toContain('collector failed on /api/v1/metrics (HTTP 500): ClickHouse query failed: MEMORY_LIMIT_EXCEEDED')
    await page.screenshot({ path: join(SHOTS, 'console-overview-error.png'), fullPage: true })
    fake.state.mode = 'ok'
    await page.getByRole('button', { name: 'Retry' }).click()
    await expect.poll(() => page.getByTestId('m1-value').textContent(), { timeout: 20_000 }).toBe('97.5%')

    // A failed poll keeps the last data on screen, says so, and offers a retry.
    fake.state.mode = 'error'
    const banner = page.getByRole('alert').filter({ hasText: 'Live update failed' })
    await banner.waitFor({ timeout: 25_000 })
    expect(await page.getByTestId('m1-value').textContent()).toBe('97.5%')
    await page.screenshot({ path: join(SHOTS, 'console-overview-stale.png') })
    fake.state.mode = 'ok'
    await banner.getByRole('button', { name: 'Retry now' }).click()
    await banner.waitFor({ state: 'detached', timeout: 10_000 })
  })

  it('route handlers validate input and the collector response', async () => {
    const bad = await fetch(`${base}/api/overview?range=2h`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: { code: 'invalid_parameter', parameter: 'range', message: 'invalid range: got "2h", expected one of 15m, 1h, 6h, 24h, 7d' } })
    // The same error in the page, and the picker fixes it.
    await page.goto(`${base}/?range=2h`)
    await page.getByRole('alert').filter({ hasText: 'invalid range: got "2h"' }).waitFor({ timeout: 20_000 })
    await page.getByRole('radio', { name: '1h' }).check()
    await page.waitForURL(/\?range=1h$/)
    await expect.poll(() => page.getByTestId('m1-value').textContent(), { timeout: 20_000 }).toBe('97.5%')

    fake.state.mode = 'bad-shape'
    const shape = await fetch(`${base}/api/overview`)
    expect(shape.status).toBe(502)
    const body = (await shape.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('collector_bad_response')
    expect(body.error.message).toMatch(/^collector response from \/api\/v1\/metrics does not match the expected shape: M1\.value: /)
    fake.state.mode = 'ok'
  })

  it('says so when the collector is unreachable', async () => {
    fake.server.closeAllConnections()
    await new Promise((r) => fake.server.close(r))
    const res = await fetch(`${base}/api/overview?range=1h`)
    expect(res.status).toBe(502)
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`collector unreachable at http://127.0.0.1:${collectorPort} (ECONNREFUSED)`)
    const health = await fetch(`${base}/api/health`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'down', message: `collector unreachable at http://127.0.0.1:${collectorPort} (ECONNREFUSED)` })
    await page.goto(`${base}/?range=1h`)
    await expect.poll(() => page.getByTestId('collector-status').textContent(), { timeout: 20_000 }).toContain('Collector unreachable')
    await page.getByRole('alert').filter({ hasText: 'collector unreachable at' }).waitFor({ timeout: 20_000 })
    await page.screenshot({ path: join(SHOTS, 'console-overview-unreachable.png'), fullPage: true })
  })
})
