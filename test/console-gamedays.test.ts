/**
 * The Game days page in a real browser: production build under `next start`, reading a fake
 * collector that answers the game-day API in the shapes of contract/gameday.ts
 * (test/fixtures/gamedays.ts) and records every start and abort the console sends it.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GameDay } from '../contract/gameday'
import * as fx from './fixtures/alerting'
import * as gd from './fixtures/gamedays'
import { type AxeViolation, axeViolations } from './support/axe'
import { consolePage, hasChromium, launchChromium } from './support/browser'
import { startConsole } from './support/console'
import { type Reply, startFakeCollector } from './support/fake-collector'
import { eventually, freePort, ROOT, type Running } from './support/processes'

/** Screenshots of the page's states, for the notes. */
const SHOTS = process.env.GAMEDAY_SHOTS ?? join(ROOT, 'test-results')
process.env.NEXT_IGNORE_INCORRECT_LOCKFILE = '1'

const json = (status: number, body: unknown): Reply => ({ status, body })
const refusal = (status: number, code: string, message: string) => json(status, { error: { code, message } })

function gameDayCollector() {
  const now = Date.now()
  const state = {
    gamedays: [gd.finished(now), gd.abortedPush(now)] as GameDay[],
    starts: [] as unknown[],
    aborts: [] as string[],
    /** Set to answer the next starts with a refusal. */
    startRefusal: null as Reply | null,
    annotationsMissing: false,
  }
  const find = (id: string) => state.gamedays.find((g) => g.id === id)
  const handle = ({ method, url, body }: { method: string; url: URL; body: string }): Reply | undefined => {
    const t = Date.now()
    const p = url.pathname
    if (p === '/healthz') return json(200, { status: 'ok' })
    if (method === 'POST' && p === '/api/v1/gamedays') {
      state.starts.push(JSON.parse(body))
      if (state.startRefusal) return state.startRefusal
      const g = gd.running(`gd-run-${state.starts.length}`, t)
      state.gamedays.unshift(g)
      return json(201, g)
    }
    const abort = /^\/api\/v1\/gamedays\/([^/]+)\/abort$/.exec(p)
    if (method === 'POST' && abort) {
      const g = find(decodeURIComponent(abort[1]))
      if (!g) return refusal(404, 'not_found', 'no game day')
      state.aborts.push(g.id)
      Object.assign(g, { state: 'aborted', ended_at: new Date(t).toISOString(), end_reason: 'aborted_manual', steps: g.steps.map((s) => ({ ...s, state: 'reverted', reverted_at: new Date(t).toISOString() })), report: gd.smsReport(Date.parse(g.started_at!)) })
      return json(200, g)
    }
    if (method !== 'GET') return undefined
    if (p === '/api/v1/gamedays/scenarios') return json(200, gd.scenarios())
    if (p === '/api/v1/gamedays') return json(200, gd.list(state.gamedays))
    if (p === '/api/v1/annotations') return state.annotationsMissing ? undefined : json(200, gd.annotations(state.gamedays))
    const one = /^\/api\/v1\/gamedays\/([^/]+?)(\/report\.(md|json))?$/.exec(p)
    if (one) {
      const g = find(decodeURIComponent(one[1]))
      if (!g) return refusal(404, 'not_found', `no game day "${one[1]}"`)
      if (one[3] === 'md') return { status: 200, body: gd.REPORT_MARKDOWN, type: 'text/markdown; charset=utf-8' }
      if (one[3] === 'json') return json(200, g.report)
      return json(200, g)
    }
    switch (p) {
      case '/api/v1/slos': return json(200, fx.slos(t))
      case '/api/v1/alerts': return json(200, fx.alerts(t))
      case '/api/v1/providers': return json(200, fx.providers())
      case '/api/v1/metrics': return json(200, fx.metrics(url.searchParams.get('ids')!.split(','), Date.parse(url.searchParams.get('from')!), Date.parse(url.searchParams.get('to')!), Number(url.searchParams.get('step'))))
    }
    return undefined
  }
  return { state, handle }
}

/** WCAG 2.2 AA: nothing but colour contrast anywhere, and no contrast failure inside <main>. */
async function contrastInMain(page: Page): Promise<string[]> {
  // Next streams the page's metadata after its body: judge the page once its <title> has arrived
  // (on a loaded machine axe otherwise ran first and reported a missing title).
  await page.waitForFunction(() => document.title !== '', undefined, { timeout: 15_000 })
  const violations: AxeViolation[] = await axeViolations(page)
  const other = violations.filter((v) => v.id !== 'color-contrast')
  expect(other, JSON.stringify(other, null, 1)).toEqual([])
  const targets = violations.find((v) => v.id === 'color-contrast')?.targets ?? []
  return page.evaluate((sels) => sels.filter((s) => document.querySelector(s)?.closest('main')), targets)
}

describe.runIf(hasChromium())('console Game days', () => {
  const fake = gameDayCollector()
  let collector: Awaited<ReturnType<typeof startFakeCollector>>
  let consoleProc: Running
  let browser: Browser
  let page: Page
  let base = ''
  const shot = async (name: string) => {
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, `gamedays-${name}.png`), fullPage: true })
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    collector = await startFakeCollector(fake.handle)
    const port = await freePort()
    consoleProc = await startConsole(port, collector.url)
    base = `http://127.0.0.1:${port}`
    browser = await launchChromium()
    page = await consolePage(browser)
  }, 900_000)

  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    await collector?.close()
  })

  it('lists the scenarios with hypothesis and blast radius, and the history', async () => {
    await page.goto(`${base}/gamedays`)
    const sms = page.getByTestId('scenario-sms-primary-outage')
    await sms.waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('scenario-sms-primary-outage-blast').textContent()).toBe(`Blast radius ${gd.SMS_BLAST}`)
    expect(await sms.textContent()).toContain('90 % of SMS fallbacks go to Vonage')
    expect(await page.getByTestId('scenario-push-outage').textContent()).toContain('Only a dry run for now: set COLLECTOR_SIMULATOR_URL on the collector to run it.')
    expect(await page.getByTestId('history').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))).toEqual(['history-gd-done-1', 'history-gd-push-1'])
    expect(await page.getByTestId('history-gd-push-1').textContent()).toContain('aborted by a guardrail')
    expect(await page.getByTestId('gd-active-value').textContent()).toBe('0')
    expect(await page.getByRole('link', { name: 'Game days' }).getAttribute('aria-current')).toBe('page')
    expect(await contrastInMain(page)).toEqual([])
    await shot('scenarios')
  })

  it('Start asks for confirmation stating the blast radius, then POSTs the scenario and shows the live view', async () => {
    await page.getByRole('button', { name: 'Start SMS primary outage (eu-west)…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Start “SMS primary outage (eu-west)”?' })
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain(`Blast radius: ${gd.SMS_BLAST}`)
    expect(fake.state.starts).toEqual([])
    // A dry run is offered; cancelling sends nothing.
    await dialog.getByLabel(/Dry run/).check()
    expect(await dialog.getByRole('button', { name: 'Start dry run' }).count()).toBe(1)
    expect(await contrastInMain(page)).toEqual([])
    await shot('start-confirm')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(fake.state.starts).toEqual([])

    await page.getByRole('button', { name: 'Start SMS primary outage (eu-west)…' }).click()
    expect(await dialog.getByLabel(/Dry run/).isChecked()).toBe(false)
    await dialog.getByRole('button', { name: 'Start drill' }).click()
    await page.waitForURL(/\/gamedays\?id=gd-run-1/)
    expect(fake.state.starts).toEqual([{ scenario: 'sms-primary-outage', dryRun: false }])

    const live = page.getByTestId('live-view')
    await live.waitFor({ timeout: 20_000 })
    expect(await live.getByTestId('gd-state').textContent()).toBe('running')
    expect(await page.getByTestId('gd-elapsed-value').textContent()).toMatch(/^\d+:\d\d$/)
    expect(await page.getByTestId('gd-applied-value').textContent()).toBe('1 / 1')
    expect(await page.getByTestId('gd-tripped-value').textContent()).toBe('0 / 3')
    const rail = page.getByTestId('guardrail-slo_burn-mfa-success')
    expect(await rail.locator('th, td').allTextContents()).toEqual(['mfa-success burn rate over 5m ≤ 14.4', '3.2', '14.4', expect.stringMatching(/^within/)])
    expect(await page.getByTestId('guardrail-unrelated_page').textContent()).toContain('no data yet')
    expect(await page.getByTestId('slo-burn').locator('tbody tr').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('slo-burn-vendor-twilio-sms-availability').textContent()).toContain('firing')
    expect(await page.getByTestId('step-twilio-down').textContent()).toContain('applied')
    expect(await contrastInMain(page)).toEqual([])
    await shot('live')
  })

  it('Abort asks first, then stops the drill and the view turns into its report', async () => {
    await page.getByRole('button', { name: 'Abort drill' }).click()
    const dialog = page.getByRole('dialog', { name: 'Abort “SMS primary outage (eu-west)”?' })
    await dialog.waitFor()
    expect(fake.state.aborts).toEqual([])
    await dialog.getByRole('button', { name: 'Abort and revert every fault' }).click()
    await eventually(async () => fake.state.aborts.includes('gd-run-1'))
    const report = page.getByTestId('report-view')
    await report.waitFor({ timeout: 20_000 })
    expect(await report.getByTestId('gd-state').textContent()).toBe('aborted')
    expect(await report.textContent()).toContain('aborted by an operator')
    expect(await page.getByTestId('step-twilio-down').textContent()).toContain('reverted')
    expect(fake.state.aborts).toEqual(['gd-run-1'])
  })

  it('a finished drill\'s report: time to detect and to fail over, expectations with what was observed, downloads', async () => {
    await page.goto(`${base}/gamedays?id=gd-done-1`)
    const report = page.getByTestId('report-view')
    await report.waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('gd-ttd-value').textContent()).toBe('48 s')
    expect(await page.getByTestId('gd-ttf-value').textContent()).toBe('1 min 12 s')
    expect(await page.getByTestId('gd-expectations-value').textContent()).toBe('1 / 3')
    expect(await page.getByTestId('report-hypothesis').textContent()).toContain('the vendor page alert fires within 2 min')
    expect(await page.getByTestId('expectation-vendor-alert').locator('th, td').allTextContents()).toEqual(['alert vendor-twilio-sms-down fires within 2 min', 'held', 'fired after 48 s'])
    expect(await page.getByTestId('expectation-fallback-vonage').locator('td').allTextContents()).toEqual(['not held', '84 % to vonage after 1 min'])
    expect(await page.getByTestId('expectation-admins-ok').locator('td').first().textContent()).toBe('not judged')
    expect(await page.getByTestId('timeline').locator('li').allTextContents()).toContain('+0:50First alertVendorCircuitOpen firing')
    expect(await page.getByTestId('affected-customer').locator('td').allTextContents()).toEqual(['120', '188', '9'])
    expect(await page.getByTestId('budget').textContent()).toContain('excluded (drill window)')
    expect(await page.getByTestId('budget').textContent()).toContain('186%') // spent beyond the budget is not capped at 100 %
    // Chart links: a console path is a link, a javascript: address is only text.
    expect(await page.getByTestId('chart-links').getByRole('link').allTextContents()).toEqual(['On-call during the drill'])
    expect(await page.getByTestId('chart-links').textContent()).toContain('Bad link')

    const md = await fetch(`${base}/api/gamedays/gd-done-1/report?format=md`)
    expect(md.headers.get('content-disposition')).toBe('attachment; filename="factorwatch-gameday-gd-done-1.md"')
    expect(await md.text()).toBe(gd.REPORT_MARKDOWN)
    const js = await fetch(`${base}/api/gamedays/gd-done-1/report?format=json`)
    expect(((await js.json()) as { time_to_detect_seconds: number }).time_to_detect_seconds).toBe(48)
    expect(await report.getByRole('link', { name: 'Download Markdown' }).getAttribute('href')).toBe('/api/gamedays/gd-done-1/report?format=md')
    expect((await fetch(`${base}/api/gamedays/gd-done-1/report?format=pdf`)).status).toBe(400)
    expect(await contrastInMain(page)).toEqual([])
    await shot('report')
  })

  it('time-series charts shade the drill with its scenario\'s name, and draw nothing when the collector has no annotations', async () => {
    await page.goto(`${base}/oncall`)
    const chart = page.getByRole('figure', { name: 'Auth error rate' })
    await chart.locator('.drill-band').first().waitFor({ timeout: 30_000 })
    // The finished drill (40 min ago) and the aborted one from this run are in the last hour.
    expect(await chart.locator('.drill-band').count()).toBe(2)
    expect(await chart.locator('svg text').filter({ hasText: /^Drill: / }).allTextContents()).toEqual(['Drill: SMS primary outage (eu-west)', 'Drill: SMS primary outage (eu-west)'])
    expect(await page.locator('.drill-band').count()).toBe(4)
    await chart.scrollIntoViewIfNeeded()
    await shot('chart-band')
    const alerts = await page.getByRole('alert').allTextContents()

    fake.state.annotationsMissing = true
    await page.reload()
    await chart.locator('.recharts-line').first().waitFor({ timeout: 30_000 })
    expect(await page.locator('.drill-band').count()).toBe(0)
    // The page says what it said before (the on-call paging banner), and nothing about annotations.
    expect(await page.getByRole('alert').allTextContents()).toEqual(alerts)
    const res = await fetch(`${base}/api/annotations?from=${new Date(Date.now() - 3600_000).toISOString()}&to=${new Date().toISOString()}`)
    expect([res.status, ((await res.json()) as { supported: boolean }).supported]).toEqual([200, false])
    fake.state.annotationsMissing = false
  })

  it('409 and 503 from the collector are shown with its message, in the dialog', async () => {
    await page.goto(`${base}/gamedays`)
    const dialog = page.getByRole('dialog', { name: 'Start “SMS primary outage (eu-west)”?' })
    const attempt = async (reply: Reply) => {
      fake.state.startRefusal = reply
      await page.getByRole('button', { name: 'Start SMS primary outage (eu-west)…' }).click()
      await dialog.getByRole('button', { name: 'Start drill' }).click()
      const alert = dialog.getByRole('alert')
      await alert.waitFor({ timeout: 20_000 })
      return alert.textContent()
    }
    await page.getByTestId('scenario-sms-primary-outage').waitFor({ timeout: 30_000 })
    expect(await attempt(refusal(409, 'conflict', 'game day gd-run-1 is running: one drill at a time'))).toBe('Not started: collector: game day gd-run-1 is running: one drill at a time')
    expect(await contrastInMain(page)).toEqual([])
    await shot('conflict')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    expect(await attempt(refusal(503, 'gamedays_unconfigured', 'game days that touch the IdP need COLLECTOR_IDP_URL set on the collector'))).toBe('Not started: collector: game days that touch the IdP need COLLECTOR_IDP_URL set on the collector')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    fake.state.startRefusal = null
    expect(fake.state.starts).toHaveLength(3)
    // Nothing new in the history: the refused starts created no game day.
    expect(await page.getByTestId('history').locator('tbody tr').count()).toBe(3)

    // Writes carry the console's Origin (a browser sends it); without one the console refuses before reading the body.
    expect((await fetch(`${base}/api/gamedays`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'sms-outage' }) })).status).toBe(403)
    const direct = await fetch(`${base}/api/gamedays`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ scenario: 'Bad Id' }) })
    expect([direct.status, ((await direct.json()) as { error: { parameter: string } }).error.parameter]).toEqual([400, 'scenario'])
    expect((await fetch(`${base}/api/gamedays`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: 'scenario=x' })).status).toBe(400)
    expect(fake.state.starts).toHaveLength(3)
    // An abort that is not a JSON request (a cross-site form post) is refused before the collector.
    expect((await fetch(`${base}/api/gamedays/gd-done-1/abort`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: '' })).status).toBe(400)
    expect((await fetch(`${base}/api/gamedays/..%2Fslos/abort`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{}' })).status).toBe(400)
    expect(fake.state.aborts).toEqual(['gd-run-1'])
  })
})
