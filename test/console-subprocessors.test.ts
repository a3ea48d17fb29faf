/**
 * The Sub-processors pages in a real browser, against the real collector process fed over
 * OTLP: an hour of SMS, e-mail and push traffic in which the primary SMS vendor (twilio) starts
 * answering 5xx, its circuit opens and every SMS falls back to vonage.
 */
import type { LogRecord } from '@opentelemetry/api-logs'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { consolePage, hasChromium, launchChromium } from './support/browser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsole } from './support/console'
import { sdkLogs } from './support/otel-records'
import { eventually, freePort, ROOT, type Running, startProcess, tempDir } from './support/processes'

const SHOTS = join(ROOT, 'test-results')
process.env.NEXT_IGNORE_INCORRECT_LOCKFILE = '1'

const MIN = 60_000
const NOW = Date.now()
const OUTAGE_AT = NOW - 18 * MIN

/** Deterministic jitter in [0, 1) so the traffic (and the screenshot) is the same every run. */
const jitter = (i: number) => ((Math.sin(i * 12.9898) * 43758.5453) % 1 + 1) % 1

/** An hour of traffic: one record list per vendor behaviour; `at` offsets are within the last hour. */
function traffic(): LogRecord[] {
  let n = 0
  const rec = (at: number, name: string, attrs: Record<string, string | number>): LogRecord =>
    ({ timestamp: at, attributes: { 'event.name': name, 'event.id': `cs-${++n}`, 'mfa.region': 'eu-west', ...attrs } })
  const send = (at: number, provider: string, channel: string, ok: boolean, latency: number, cost: number, reason = ok ? 'ok' : 'http_5xx', flow?: string) => {
    const msg = `${provider}-${n}`
    const out = [rec(at, 'mfa.provider.request', {
      ...(flow ? { 'mfa.flow_id': flow } : {}),
      'mfa.provider': provider, 'mfa.channel': channel, 'mfa.outcome': ok ? 'success' : 'error', 'mfa.reason': reason,
      'mfa.latency_ms': Math.round(latency), 'mfa.cost_micros': ok ? cost : 0, 'mfa.provider_message_id': msg, 'mfa.http_status_class': ok ? '2xx' : reason === 'http_5xx' ? '5xx' : 'none',
    })]
    if (ok) {
      out.push(rec(at + 1500, 'mfa.provider.delivery', { 'mfa.provider': provider, 'mfa.channel': channel, 'mfa.outcome': 'success', 'mfa.reason': 'delivered', 'mfa.latency_ms': 1500 + Math.round(latency * 3), 'mfa.provider_message_id': msg }))
      out.push(rec(at + 20_000, 'mfa.challenge.verified', { 'mfa.flow_id': `f-${n}`, 'mfa.factor': channel, 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 20_000 }))
    }
    return out
  }
  const circuit = (at: number, from: string, to: string, reason: string) =>
    rec(at, 'mfa.circuit.changed', { 'mfa.provider': 'twilio', 'mfa.channel': 'sms', 'mfa.circuit_from_state': from, 'mfa.circuit_state': to, 'mfa.reason': reason })
  const out: LogRecord[] = []
  for (let m = 60; m >= 1; m--) {
    for (let k = 0; k < 6; k++) {
      const at = NOW - m * MIN + k * 10_000
      const i = m * 10 + k
      if (at < OUTAGE_AT) out.push(...send(at, 'twilio', 'sms', jitter(i) > 0.02, 180 + 220 * jitter(i + 1), 79_000))
      else {
        // Outage: 5xx until the breaker opens, then short-circuited; every SMS falls back to vonage.
        const open = at >= OUTAGE_AT + 90_000
        // The sign-in flow the failed send belonged to: counted by M3 (fell back) and M6 (touched by a vendor failure).
        out.push(rec(at - 100, 'mfa.challenge.issued', { 'mfa.flow_id': `fb-${i}`, 'mfa.factor': 'sms', 'mfa.channel': 'sms', 'mfa.reason': 'login_required' }))
        out.push(...send(at, 'twilio', 'sms', false, open ? 0 : 900 + 400 * jitter(i), 0, open ? 'circuit_open' : 'http_5xx', `fb-${i}`))
        out.push(rec(at + 200, 'mfa.fallback', { 'mfa.flow_id': `fb-${i}`, 'mfa.fallback_from': 'twilio', 'mfa.fallback_to': 'vonage', 'mfa.channel': 'sms', 'mfa.reason': open ? 'circuit_open' : 'provider_error' }))
        out.push(...send(at + 400, 'vonage', 'sms', true, 260 + 200 * jitter(i + 2), 68_400))
      }
      if (k % 3 === 0) out.push(...send(at + 5000, 'vonage', 'sms', true, 240 + 180 * jitter(i + 3), 68_400))
      if (k % 2 === 0) out.push(...send(at + 3000, 'ses', 'email', jitter(i + 4) > 0.01, 90 + 60 * jitter(i + 5), 100))
      if (k % 2 === 1) out.push(...send(at + 7000, 'fcm', 'push', true, 60 + 50 * jitter(i + 6), 0))
    }
  }
  out.push(circuit(OUTAGE_AT + 90_000, 'closed', 'open', 'failure_threshold'))
  out.push(circuit(OUTAGE_AT + 90_000 + 30_000, 'open', 'half_open', 'cooldown_elapsed'))
  out.push(circuit(OUTAGE_AT + 90_000 + 31_000, 'half_open', 'open', 'probe_failed'))
  return out
}

describe.runIf(hasChromium())('console Sub-processors', () => {
  let collector: Running
  let consoleProc: Running
  let browser: Browser
  let page: Page
  let dataDir = ''
  let base = ''
  let query = ''

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    dataDir = tempDir('console-subprocessors')
    const [otlpPort, queryPort, port] = await Promise.all([freePort(), freePort(), freePort()])
    collector = await startProcess('collector', 'collector/main.ts', [], {
      COLLECTOR_OTLP_PORT: String(otlpPort), COLLECTOR_QUERY_PORT: String(queryPort), FACTORWATCH_DATA_DIR: dataDir,
    }, [/collector query listening/])
    query = `http://127.0.0.1:${queryPort}`
    const records = traffic()
    // Several export requests, as a batching exporter would send them.
    for (let i = 0; i < records.length; i += 500) {
      const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(records.slice(i, i + 500), 'reference-idp'))!
      const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/logs`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/x-protobuf' } })
      expect(res.status).toBe(200)
    }
    await eventually(async () => ((await (await fetch(`${query}/api/v1/providers`)).json()) as { providers: unknown[] }).providers.length >= 4)
    consoleProc = await startConsole(port, query)
    base = `http://127.0.0.1:${port}`
    browser = await launchChromium()
    page = await consolePage(browser)
  }, 300_000)

  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    await collector?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('shows the outage: twilio open with errors, vonage taking over, the registry beside it', async () => {
    await page.goto(`${base}/subprocessors`)
    await expect.poll(() => page.getByTestId('circuit-twilio-sms').textContent(), { timeout: 30_000 }).toBe('open')
    const errorRate = parseFloat((await page.getByTestId('error-rate-twilio-sms').textContent())!)
    expect(errorRate).toBeGreaterThan(0)
    expect(parseFloat((await page.getByTestId('fallback-vonage-sms').textContent())!)).toBeGreaterThan(0)
    expect(await page.getByTestId('circuit-vonage-sms').textContent()).toBe('no reports')
    expect(await page.getByTestId('open-circuits').textContent()).toContain('twilio (SMS)')
    // The outage raises M3 (fell back) and M6 (touched by a failing vendor call) above zero.
    expect(parseFloat((await page.getByTestId('m3-value').textContent())!)).toBeGreaterThan(0)
    expect(parseFloat((await page.getByTestId('m6-value').textContent())!)).toBeGreaterThan(0)
    // Primary before backup; registry vendors without traffic are listed too.
    const rows = await page.locator('table.health tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))
    expect(rows.slice(0, 2)).toEqual(['row-twilio-sms', 'row-vonage-sms'])
    expect(rows).toContain('row-apns-push')
    // Table semantics: grouped column headers, one row header per vendor.
    expect(await page.getByRole('columnheader', { name: 'Request latency' }).count()).toBe(1)
    expect(await page.getByRole('rowheader', { name: /twilio/ }).count()).toBeGreaterThan(0)
    // Registry facts and the change log.
    const vonage = page.getByTestId('facts-vonage')
    expect(await vonage.textContent()).toContain('Vonage Holdings Corp.')
    // Vonage's ISO/IEC 27001 ends 2026-12-15 in the registry: its badge follows the clock.
    const today = new Date()
    const days = Math.round((Date.UTC(2026, 11, 15) - Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())) / 86_400_000)
    const plural = (n: number) => `${n} day${n === 1 ? '' : 's'}`
    const badge = days < 0 ? `expired ${plural(-days)} ago` : days === 0 ? 'expires today' : days <= 60 ? `expires in ${plural(days)}` : 'valid'
    expect(await vonage.locator('li', { hasText: 'ISO/IEC 27001' }).locator('.badge').textContent()).toBe(badge)
    expect(await page.getByRole('heading', { name: 'Registry change log' }).count()).toBe(1)
    expect(await page.getByRole('row', { name: /2026-09-01 vonage Regions changed/ }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'Sub-processors' }).getAttribute('aria-current')).toBe('page')
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, 'subprocessors.png'), fullPage: true })
  })

  it('keeps channel, region and range in the URL', async () => {
    await page.getByLabel('Channel', { exact: true }).selectOption('sms')
    await page.waitForURL(/\/subprocessors\?channel=sms$/)
    await page.getByLabel('Region', { exact: true }).selectOption('eu-west')
    await page.waitForURL(/\/subprocessors\?channel=sms&region=eu-west$/)
    await page.getByRole('radio', { name: '6h' }).check()
    await page.waitForURL(/\/subprocessors\?range=6h&channel=sms&region=eu-west$/)
    await page.reload()
    await expect.poll(() => page.getByTestId('circuit-twilio-sms').textContent(), { timeout: 20_000 }).toBe('open')
    const rows = await page.locator('table.health tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))
    expect(rows).toEqual(['row-twilio-sms', 'row-vonage-sms'])
    expect(await page.getByLabel('Channel', { exact: true }).inputValue()).toBe('sms')
  })

  it('opens the vendor page: series, circuit history, registry facts', async () => {
    await page.getByRole('link', { name: 'twilio', exact: true }).click()
    await page.waitForURL(/\/subprocessors\/twilio\?range=6h&channel=sms&region=eu-west$/)
    await page.goto(`${base}/subprocessors/twilio?range=1h`)
    await expect.poll(() => page.getByTestId('circuit-now').textContent(), { timeout: 20_000 }).toBe('open')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('twilio')
    expect(parseFloat((await page.getByTestId('error-rate-value').textContent())!)).toBeGreaterThan(0)
    const history = page.getByTestId('circuit-history')
    expect(await history.getByRole('row').count()).toBe(4) // header + 3 transitions
    expect(await history.getByRole('row', { name: /Closed open Failure threshold/i }).count()).toBe(1)
    expect(await page.getByRole('img', { name: /requests to twilio, \d+ failed/ }).count()).toBe(1)
    expect(await page.getByRole('img', { name: /^Circuit state over the range: closed from .* open from/ }).count()).toBe(1)
    expect(await page.getByTestId('facts-twilio').textContent()).toContain('Twilio Data Protection Addendum')
    await page.waitForTimeout(400)
    await page.screenshot({ path: join(SHOTS, 'subprocessors-twilio.png'), fullPage: true })
  })

  it('has designed empty, not-found and error states', async () => {
    const from = new Date(NOW - 3 * 86_400_000).toISOString()
    const to = new Date(NOW - 2 * 86_400_000).toISOString()
    await page.goto(`${base}/subprocessors?from=${from}&to=${to}`)
    await page.getByText('No sub-processor traffic in this range.').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('circuit-twilio-sms').textContent()).toBe('no reports')
    await page.screenshot({ path: join(SHOTS, 'subprocessors-empty.png'), fullPage: false })

    const bad = await fetch(`${base}/api/subprocessors?channel=fax`)
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { parameter: string } }).error.parameter).toBe('channel')
    const unknown = await fetch(`${base}/api/subprocessors/nobody`)
    expect(unknown.status).toBe(404)
    await page.goto(`${base}/subprocessors/nobody`)
    await page.getByRole('alert').filter({ hasText: 'no vendor "nobody" in the sub-processor registry' }).waitFor({ timeout: 20_000 })

    await collector.stop()
    await page.goto(`${base}/subprocessors`)
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load sub-processor health' })
    await alert.waitFor({ timeout: 20_000 })
    expect(await alert.textContent()).toContain('collector unreachable')
    await page.screenshot({ path: join(SHOTS, 'subprocessors-error.png'), fullPage: false })
  })
})
