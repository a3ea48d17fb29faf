/**
 * The On-call, SLOs and Alerts pages in a real browser: production build under `next start`,
 * reading a fake collector query API that answers an SMS vendor outage in the shapes of
 * contract/slo.ts (test/fixtures/alerting.ts), and taking silences over its real HTTP API.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Silence, SilenceCreate } from '../contract/slo'
import * as fx from './fixtures/alerting'
import { type AxeViolation, axeViolations } from './support/axe'
import { consolePage, hasChromium, launchChromium } from './support/browser'
import { startConsole } from './support/console'
import { eventually, freePort, ROOT, type Running } from './support/processes'

const SHOTS = join(ROOT, 'test-results')
process.env.NEXT_IGNORE_INCORRECT_LOCKFILE = '1'

function fakeCollector() {
  const state = { created: [] as SilenceCreate[], expired: [] as string[], extra: [] as Silence[], down: false }
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let s = ''
    req.on('data', (c) => (s += c))
    req.on('end', () => resolve(s))
  })
  const server = createServer(async (req, res) => {
    const u = new URL(req.url!, 'http://fake')
    const now = Date.now()
    if (state.down) return res.destroy()
    if (u.pathname === '/healthz') return send(res, 200, { status: 'ok' })
    if (req.method === 'POST' && u.pathname === '/api/v1/silences') {
      const body = SilenceCreate.safeParse(JSON.parse(await read(req)))
      if (!body.success) return send(res, 400, { error: { code: 'invalid_parameter', message: body.error.message } })
      state.created.push(body.data)
      const id = `sil-new-${state.created.length}`
      state.extra.push({ id, ...body.data, startsAt: body.data.startsAt ?? new Date(now).toISOString(), state: 'active' } as Silence)
      return send(res, 201, { id })
    }
    const expire = /^\/api\/v1\/silences\/([^/]+)$/.exec(u.pathname)
    if (req.method === 'DELETE' && expire) {
      state.expired.push(decodeURIComponent(expire[1]))
      return send(res, 200, { id: decodeURIComponent(expire[1]), state: 'expired' })
    }
    const p = u.searchParams
    switch (u.pathname) {
      case '/api/v1/slos': return send(res, 200, fx.slos(now))
      case '/api/v1/alerts': return send(res, 200, fx.alerts(now))
      case '/api/v1/alerts/history': return send(res, 200, fx.history(now))
      case '/api/v1/silences': {
        const all = fx.silences(now, state.extra)
        for (const s of all.silences) if (state.expired.includes(s.id)) s.state = 'expired'
        return send(res, 200, all)
      }
      case '/api/v1/providers': return send(res, 200, fx.providers())
      case '/api/v1/metrics': return send(res, 200, fx.metrics(p.get('ids')!.split(','), Date.parse(p.get('from')!), Date.parse(p.get('to')!), Number(p.get('step'))))
    }
    const runbook = /^\/api\/v1\/runbooks\/([a-z0-9_-]+)$/.exec(u.pathname)
    if (runbook) return send(res, 200, fx.runbook(runbook[1]))
    send(res, 404, { error: { code: 'not_found', message: `no route ${u.pathname}` } })
  })
  return { server, state }
}

/**
 * WCAG 2.2 AA in the page's own content: nothing at all except colour contrast, and no contrast
 * failure inside <main> (the shared navigation's known muted greys are counted elsewhere).
 */
function expectAccessible(violations: AxeViolation[]) {
  const other = violations.filter((v) => v.id !== 'color-contrast')
  expect(other, JSON.stringify(other, null, 1)).toEqual([])
  const contrast = violations.find((v) => v.id === 'color-contrast')?.targets ?? []
  return contrast
}

describe.runIf(hasChromium())('console On-call, SLOs and Alerts', () => {
  const fake = fakeCollector()
  let consoleProc: Running
  let browser: Browser
  let page: Page
  let base = ''
  const contrastInMain = async () => {
    const targets = expectAccessible(await axeViolations(page))
    return page.evaluate((sels) => sels.filter((s) => document.querySelector(s)?.closest('main')), targets)
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    const collectorPort = await freePort()
    await new Promise<void>((r) => fake.server.listen(collectorPort, '127.0.0.1', r))
    const port = await freePort()
    consoleProc = await startConsole(port, `http://127.0.0.1:${collectorPort}`)
    base = `http://127.0.0.1:${port}`
    browser = await launchChromium()
    page = await consolePage(browser)
  }, 600_000)

  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    fake.server.closeAllConnections()
    await new Promise((r) => fake.server.close(r))
  })

  it('On-call: the firing page with its runbook, and the guide\'s panels', async () => {
    await page.goto(`${base}/oncall`)
    const row = page.getByTestId('active-vendor-twilio-sms-down')
    await row.waitFor({ timeout: 30_000 })
    const text = (await row.textContent())!
    for (const s of ['firing', 'page', 'VendorCircuitOpen', 'vendor=twilio', '17 min ago', '+ 1 related alert grouped under it']) expect(text).toContain(s)
    expect(await row.getByRole('link', { name: 'provider-failover' }).getAttribute('href')).toBe('/alerts?alert=vendor-twilio-sms-down#alert-detail')
    // The SLO burn alert is folded under the vendor alert; the pending ticket is listed after it.
    expect(await page.getByTestId('active-alerts').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))).toEqual(['active-vendor-twilio-sms-down', 'active-push-p95'])
    expect(await page.getByTestId('paging-banner').textContent()).toContain('1 paging.')
    expect(await page.getByTestId('m5-value').textContent()).toBe('4.1%')
    expect(await page.getByTestId('p95-value').textContent()).toBe('2.35 s')
    expect(await page.getByTestId('p99-value').textContent()).toBe('4.10 s')
    expect(await page.getByTestId('outages-value').textContent()).toBe('1')
    expect(await page.getByTestId('recovery-value').textContent()).toBe('4')
    expect(await page.getByTestId('provider-twilio-sms').textContent()).toContain('outage')
    expect(await page.getByRole('img', { name: /Second-factor error rate over \d+ buckets/ }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'On-call' }).getAttribute('aria-current')).toBe('page')
    expect(await contrastInMain()).toEqual([])
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, 'oncall.png'), fullPage: true })
  })

  it('SLOs: objective, SLI or "not enough data", budget left, burn rates, burn-down and what spent it', async () => {
    await page.goto(`${base}/slos`)
    await page.getByTestId('slo-mfa-success').waitFor({ timeout: 30_000 })
    const order = await page.locator('article.slo-card').evaluateAll((as) => as.map((a) => a.getAttribute('data-testid')))
    expect(order).toEqual(['slo-vendor-twilio-sms-availability', 'slo-mfa-success', 'slo-admin-enrollment', 'slo-mfa-latency-p95', 'slo-mfa-abandonment'])
    expect(await page.getByTestId('slo-mfa-success-objective').textContent()).toBe('99.5% over 28d')
    expect(await page.getByTestId('slo-mfa-success-sli').textContent()).toBe('99.75%')
    expect(await page.getByTestId('slo-mfa-success-budget').textContent()).toBe('50.0%')
    expect(await page.getByTestId('slo-mfa-success-events-left').textContent()).toBe('300 bad events still allowed')
    expect(await page.getByTestId('slo-vendor-twilio-sms-availability-budget').textContent()).toBe('−2,780%')
    expect(await page.getByTestId('slo-vendor-twilio-sms-availability-events-left').textContent()).toBe('overspent by 834 bad events')
    expect(await page.getByTestId('slo-mfa-abandonment-sli').textContent()).toBe('Not enough data')
    expect(await page.getByTestId('slo-mfa-abandonment-budget').textContent()).toBe('—')
    expect(await page.getByTestId('slo-admin-enrollment-budget').textContent()).toBe('met')
    const burn = page.getByTestId('slo-mfa-success-burn')
    expect(await burn.getByRole('row', { name: /1h and 5m page at 14\.4× 16\.2× 18\.4× burning/ }).count()).toBe(1)
    expect(await burn.getByRole('row', { name: /3d and 6h ticket at 1× 0\.8× 4\.1× below/ }).count()).toBe(1)
    expect(await page.getByTestId('slo-mfa-success-attribution').getByTestId('attr-provider-twilio').textContent()).toBe('twilio231 · 77.0%')
    expect(await page.getByTestId('slo-mfa-success-attribution').getByRole('heading').allTextContents()).toEqual(['By factor', 'By provider', 'By region', 'By user group'])
    expect(await page.getByRole('img', { name: /Error budget of mfa-success over the 28d window: from 100\.0% to 50\.0% left now/ }).count()).toBe(1)
    expect(await contrastInMain()).toEqual([])
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, 'slos.png'), fullPage: true })
  })

  it('Alerts: rules, history, runbook rendered safely, a silence created and one expired through the UI', async () => {
    await page.goto(`${base}/alerts`)
    await page.getByTestId('rules').waitFor({ timeout: 30_000 })
    const rules = await page.getByTestId('rules').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))
    expect(rules).toEqual(['rule-vendor-twilio-sms-down', 'rule-slo-mfa-success:page-1h-5m', 'rule-push-p95', 'rule-break-glass'])
    // Inactive rule instances (a real rule set has hundreds) wait behind a disclosure.
    expect(await page.getByTestId('rules-inactive').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))).toEqual(['rule-lockout-spike'])
    expect(await page.getByTestId('rules-inactive').isVisible()).toBe(false)
    expect(await page.getByTestId('firing-value').textContent()).toBe('2')
    expect(await page.getByRole('radio', { name: '24h' }).isChecked()).toBe(true)
    // Timeline: one lane per alert that was not inactive throughout; break-glass fired 6 h ago and resolved.
    expect(await page.getByTestId('timeline').getByRole('img').count()).toBe(4)
    expect(await page.getByRole('img', { name: /^BreakGlassBypass: pending from .* firing from .* resolved from/ }).count()).toBe(1)
    expect(await page.getByTestId('history-table').locator('tbody tr').count()).toBe(8)

    await page.getByRole('link', { name: 'Runbook and details of VendorCircuitOpen (vendor-twilio-sms-down)' }).click()
    await page.waitForURL(/alert=vendor-twilio-sms-down/)
    const runbook = page.getByTestId('runbook')
    await runbook.getByRole('heading', { name: 'Provider failover' }).waitFor({ timeout: 20_000 })
    expect(await runbook.getByRole('listitem').count()).toBe(5)
    expect(await runbook.getByRole('link', { name: 'Sub-processors page' }).getAttribute('href')).toBe('/subprocessors')
    // HTML in the markdown is text, and a javascript: link is not a link.
    expect(await runbook.textContent()).toContain('<script>alert("x")</script>')
    expect(await runbook.locator('script').count()).toBe(0)
    expect(await runbook.getByRole('link', { name: 'Not a link' }).count()).toBe(0)

    await page.getByRole('button', { name: 'Silence VendorCircuitOpen (vendor-twilio-sms-down)' }).click()
    await expect.poll(() => page.getByLabel('Matchers').inputValue()).toBe('alertname="VendorCircuitOpen", vendor="twilio", channel="sms"')
    await page.getByLabel('Duration').selectOption('120')
    await page.getByLabel('Created by').fill('sam')
    await page.getByLabel('Comment').fill('twilio incident, failover to vonage holds')
    await page.getByRole('button', { name: 'Create silence' }).click()
    await page.getByText('Silence sil-new-1 created.').waitFor({ timeout: 20_000 })
    const created = fake.state.created[0]
    expect(created.matchers).toEqual([
      { name: 'alertname', value: 'VendorCircuitOpen', isRegex: false, isEqual: true },
      { name: 'vendor', value: 'twilio', isRegex: false, isEqual: true },
      { name: 'channel', value: 'sms', isRegex: false, isEqual: true },
    ])
    expect(Date.parse(created.endsAt) - Date.parse(created.startsAt!)).toBe(2 * 3600_000)
    expect([created.createdBy, created.comment]).toEqual(['sam', 'twilio incident, failover to vonage holds'])
    await page.getByTestId('silence-sil-new-1').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('silence-sil-new-1').textContent()).toContain('vendor="twilio"')

    await page.getByRole('button', { name: 'Expire silence sil-lockouts' }).click()
    await eventually(async () => fake.state.expired.includes('sil-lockouts'))
    await expect.poll(() => page.getByTestId('silence-sil-lockouts').textContent(), { timeout: 20_000 }).toContain('expired')

    // A matcher the collector could not read is refused in the form, before any request.
    await page.getByLabel('Matchers').fill('vendor')
    await page.getByRole('button', { name: 'Create silence' }).click()
    expect(await page.getByText('invalid matcher "vendor"').count()).toBe(1)
    expect(fake.state.created).toHaveLength(1)

    expect(await contrastInMain()).toEqual([])
    await page.getByLabel('Matchers').fill('alertname="VendorCircuitOpen"')
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, 'alerts.png'), fullPage: true })
  })

  it('route handlers refuse bad silences and say when the collector is down', async () => {
    const post = (body: unknown, type = 'application/json') => fetch(`${base}/api/silences`, { method: 'POST', headers: { 'content-type': type, origin: base }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    const bad = await post({ matchers: '1x="y"', durationMinutes: 60, comment: 'c', createdBy: 'sam' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { parameter: string } }).error.parameter).toBe('matchers')
    expect((await post('matchers=x', 'application/x-www-form-urlencoded')).status).toBe(400)
    expect((await fetch(`${base}/api/silences/..%2Fetc`, { method: 'DELETE', headers: { origin: base } })).status).toBe(400)
    expect((await fetch(`${base}/api/alerts?range=2y`)).status).toBe(400)
    expect(fake.state.created).toHaveLength(1)

    fake.state.down = true
    const down = await fetch(`${base}/api/slos`)
    expect(down.status).toBe(502)
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('collector_unreachable')
    await page.goto(`${base}/slos`)
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load the SLOs' })
    await alert.waitFor({ timeout: 20_000 })
    expect(await alert.textContent()).toContain('Is the collector running?')
    fake.state.down = false
  })
})
