/**
 * Security, Executive, Explore and the monthly report in a real browser, against the real
 * collector process fed over OTLP/JSON with IdP-shaped events and spans (test/support/security-events.ts):
 * a bypass of each kind, a SIM-swap-like recovery, credential stuffing, a code guesser, push
 * bombing, a revoked session resumed, and one failed sign-in with its trace.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consolePage, hasChromium, launchChromium } from './support/browser'
import { startConsole } from './support/console'
import { eventually, freePort, ROOT, type Running, startProcess, tempDir } from './support/processes'
import { BOMBER_NET, FLOW, RECOVERY_BUSY_NET, STUFFING_NET, h, otlpJson, securityEvents } from './support/security-events'

const SHOTS = join(ROOT, 'test-results')
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
process.env.NEXT_IGNORE_INCORRECT_LOCKFILE = '1'
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000

/** axe-core (WCAG 2.x A and AA rules) over the page's main content; the shared nav's known contrast debt is outside it. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe
    return axe.run({ include: [['#main']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
  })
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`))
}

describe.runIf(hasChromium())('console Security, Executive, Explore and the monthly report', () => {
  let collector: Running
  let consoleProc: Running
  let browser: Browser
  let page: Page
  let dataDir = ''
  let base = ''
  let query = ''

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    dataDir = tempDir('console-security')
    const [otlpPort, queryPort, port] = await Promise.all([freePort(), freePort(), freePort()])
    collector = await startProcess('collector', 'collector/main.ts', [], {
      COLLECTOR_OTLP_PORT: String(otlpPort), COLLECTOR_QUERY_PORT: String(queryPort), FACTORWATCH_DATA_DIR: dataDir,
    }, [/collector query listening/])
    query = `http://127.0.0.1:${queryPort}`
    const { records, spanRecords } = securityEvents(T0)
    const body = otlpJson(records, spanRecords)
    for (const [path, payload] of [['/v1/logs', body.logs], ['/v1/traces', body.traces]] as const) {
      const res = await fetch(`http://127.0.0.1:${otlpPort}${path}`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } })
      expect(res.status, await res.clone().text()).toBe(200)
      expect(await res.json()).not.toHaveProperty('partialSuccess.rejectedLogRecords')
    }
    await eventually(async () => {
      const flow = (await (await fetch(`${query}/api/v1/explore/flow?flow_id=${FLOW}`)).json()) as { events: unknown[]; spans: unknown[] }
      return flow.events.length === 6 && flow.spans.length === 8
    })
    consoleProc = await startConsole(port, query)
    base = `http://127.0.0.1:${port}`
    browser = await launchChromium()
    page = await consolePage(browser)
  }, 600_000)

  afterAll(async () => {
    await browser?.close()
    await consoleProc?.stop()
    await collector?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('Security: enrollment gaps, bypasses with break-glass, recovery abuse, attacks', async () => {
    const api = await fetch(`${base}/api/security?range=24h`)
    expect(api.status, (await api.clone().text()).slice(0, 500)).toBe(200)
    await page.goto(`${base}/security?range=24h`)
    await page.getByTestId('admins-without-mfa').waitFor({ timeout: 30_000 })
    // Admins with no second factor: the IdP's unprotected_admin snapshot (one never signs in) and password-only sign-ins.
    expect(await page.getByTestId('admins-without-mfa').getAttribute('aria-label')).toBe('Admins with no second factor')
    expect(await page.locator('[data-testid=admins-without-mfa] code').evaluateAll((els) => els.map((e) => e.getAttribute('title')))).toEqual([h('admin-nofactor'), h('admin-dormant')])
    expect(await page.getByTestId('admins-without-mfa').locator('tbody tr').nth(1).textContent()).toContain('IdP snapshot')
    expect(await page.getByTestId('admin-cov-value').textContent()).toBe('90.0%')
    // Target against actual, met or missed in words (not colour alone).
    expect(await page.getByTestId('coverage-targets').locator('tbody tr').first().textContent()).toBe('Admin90.0%100%✗ Missed')
    expect(await page.getByTestId('phishing-targets').locator('tbody tr').nth(1).textContent()).toBe('Workforce10.0%50.0%✗ Missed')
    expect(await page.getByTestId('sms-only-share').textContent()).toContain('✓ Met')
    // Exemptions: break-glass as an incident with requester, approver, duration and uses; open and about to expire.
    expect(await page.getByTestId('break-glass-banner').textContent()).toContain('Break-glass: 1 incident(s).')
    const incident = page.getByTestId('break-glass').locator('tbody tr')
    expect(await incident.count()).toBe(1)
    expect(await incident.locator('code.hash').evaluateAll((els) => els.map((e) => e.getAttribute('title')))).toEqual([h('bypass-2'), h('admin-a'), h('admin-b')])
    expect(await incident.textContent()).toMatch(/^Break glass.*1 h 0 min.*Expired.*1$/)
    expect(await page.getByTestId('exemptions-open').locator('tbody tr').count()).toBe(1)
    expect(await page.getByTestId('exemptions-expiring').locator('tbody tr').first().textContent()).toContain('Expiring')
    expect(await page.getByTestId('exemptions').locator('tbody tr').count()).toBe(6)
    expect(await page.getByTestId('bypass-list').locator('tbody tr').count()).toBe(4)
    const suspicious = await page.getByTestId('recovery-suspicious').textContent()
    expect(suspicious).toContain('After factor change')
    expect(suspicious).toContain('New country')
    expect(suspicious).toContain('Blocklisted network')
    expect(suspicious).toContain('Many from network')
    expect(suspicious).toContain(RECOVERY_BUSY_NET)
    expect(await page.getByTestId('recovery-networks').locator('tbody tr').first().textContent()).toBe(`${RECOVERY_BUSY_NET}33`)
    expect(await page.getByTestId('recovery-backlog').locator('tbody tr').count()).toBe(1)
    expect(await page.getByTestId('stuffing').textContent()).toContain('RU')
    expect(await page.getByTestId('push-bombing').locator('tbody tr').first().textContent()).toBe('CN2111')
    // By source network: the block-list marker is words, not colour alone; the users touched are listed by hash.
    const stuffingNet = page.getByTestId('net-credential_stuffing').locator('tbody tr')
    expect(await stuffingNet.first().textContent()).toMatch(new RegExp(`^${STUFFING_NET.replace(/[./]/g, '\\$&')}RU32: .*Block-listed$`))
    expect(await stuffingNet.first().locator('code.hash').evaluateAll((els) => els.map((e) => e.getAttribute('title')))).toEqual([h('stuffed-0'), h('stuffed-1')].sort())
    expect(await page.getByTestId('net-push_bombing').locator('tbody tr').first().textContent()).toMatch(new RegExp(`^${BOMBER_NET.replace(/[./]/g, '\\$&')}CN211`))
    expect(await page.locator('#chart-risk-signals-title').textContent()).toBe('Risk signals of sign-ins (F5)')
    expect(await page.getByTestId('revoked').locator('tbody tr').count()).toBe(1)
    expect(await page.getByRole('link', { name: 'Security' }).getAttribute('aria-current')).toBe('page')
    expect(await axeViolations(page)).toEqual([])
    await page.screenshot({ path: join(SHOTS, 'security.png'), fullPage: true })
  })

  it('Executive: this week against the last, with the SLO engine\'s status', async () => {
    await page.goto(`${base}/executive`)
    await page.getByTestId('kpi-bypass_incidents').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('kpi-bypass_incidents').textContent()).toBe('4')
    expect(await page.getByTestId('kpi-break_glass').textContent()).toBe('1')
    // The collector runs the SLO engine on the default rules: each SLO shows met, at risk, breached or no data.
    await page.getByTestId('slo-list').waitFor({ timeout: 30_000 })
    const slos = await page.getByTestId('slo-list').locator('li').allTextContents()
    expect(slos.length).toBeGreaterThanOrEqual(10)
    expect(slos.every((t) => /^(Met|At risk|Breached|No data)\b/.test(t))).toBe(true)
    expect(slos.some((t) => t.includes('Calls to twilio for sms'))).toBe(true)
    expect(await page.getByTestId('exec-period').textContent()).toMatch(/^This week \(\d{4}-\d{2}-\d{2} to/)
    expect(await axeViolations(page)).toEqual([])
    await page.screenshot({ path: join(SHOTS, 'executive.png'), fullPage: true })
  })

  it('Explore: filters kept in the URL, a flow timeline with its trace waterfall', async () => {
    await page.goto(`${base}/explore?range=24h`)
    await page.getByTestId('failures').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('failures').locator('tbody tr').count()).toBe(7)
    await page.getByRole('combobox', { name: 'Client' }).selectOption('ios')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/client=ios/)
    await expect.poll(() => page.getByTestId('failures').locator('tbody tr').count(), { timeout: 15_000 }).toBe(3)
    await page.goto(`${base}/explore?range=24h&flow=${FLOW}`)
    await page.getByTestId('waterfall').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('flow-events').locator('tbody tr').count()).toBe(6)
    expect(await page.getByTestId('waterfall').getByRole('listitem').count()).toBe(6 + 8)
    expect(await page.getByTestId('queues').textContent()).toContain('vonage')
    expect(await axeViolations(page)).toEqual([])
    await page.screenshot({ path: join(SHOTS, 'explore.png'), fullPage: true })
  })

  it('monthly report: printable page, CSV and a Chromium PDF stating period and source', async () => {
    await page.goto(`${base}/report?range=24h`)
    const text = (await page.getByTestId('report').textContent())!
    expect(text).toContain('Period:')
    expect(text).toContain('Data source:')
    expect(await axeViolations(page)).toEqual([])
    const csv = await fetch(`${base}/api/report?format=csv&range=24h`)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const lines = (await csv.text()).split('\r\n')
    expect(lines[0]).toBe('section,time,user_hash,item,value,previous')
    expect(lines.some((l) => l.startsWith('break_glass_incident,') && l.includes(h('bypass-2')))).toBe(true)
    expect(lines.some((l) => l.startsWith('exemption_approver,') && l.includes(h('admin-b')) && l.includes('break_glass ex-bg,expired'))).toBe(true)
    expect(lines).toContain('coverage_vs_target,,,admin (target 1): missed,0.9,')
    expect(lines.some((l) => l.startsWith('recovery_abuse_signal,') && l.includes('blocklisted_network'))).toBe(true)
    expect(text).toContain('Break-glass incidents')
    expect(lines.some((l) => l.startsWith('revoked_session_reuse,'))).toBe(true)
    expect(lines).toContain(`push_bombing_by_network,,,${BOMBER_NET} CN denied,2,`)
    expect(lines).toContain(`credential_stuffing_by_network_user,,${h('stuffed-0')},${STUFFING_NET},,`)
    expect(lines.filter((l) => l.startsWith('risk_signal,') && l.includes(',known_bad_ip,'))).toHaveLength(1)
    expect(text).toContain('Push bombing by source network')
    const pdf = await fetch(`${base}/api/report?format=pdf&range=24h`)
    expect(pdf.status).toBe(200)
    const bytes = Buffer.from(await pdf.arrayBuffer())
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-')
    writeFileSync(join(SHOTS, 'report.pdf'), bytes)
    // Both downloads are security exports, audited at the collector.
    await expect.poll(async () => {
      const page = (await (await fetch(`${query}/api/v1/audit?action=security.export`)).json()) as { records: { target: string; result: string }[] }
      return page.records.filter((r) => r.result === 'ok').map((r) => r.target).sort()
    }, { timeout: 10_000 }).toEqual(['csv', 'pdf'])
    for (const f of readdirSync(SHOTS).filter((x) => /^report-\d+\.png$/.test(x))) rmSync(join(SHOTS, f))
    execFileSync('pdftoppm', ['-png', '-r', '70', join(SHOTS, 'report.pdf'), join(SHOTS, 'report')])
    expect(readdirSync(SHOTS).filter((x) => /^report-\d+\.png$/.test(x)).length).toBeGreaterThan(0)
    expect((await fetch(`${base}/api/report?format=docx`)).status).toBe(400)
    expect((await fetch(`${base}/api/report?month=2026-13`)).status).toBe(400)
  })
})
