import { existsSync } from 'node:fs'
import { ConsoleError } from './collector-client'

/** Debian's Chromium prints the report page (print CSS, A4): no hand-made PDF writer. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** `cookie`: the requesting user's Cookie header, so the report page renders with their session. */
export async function renderPdf(url: string, cookie?: string): Promise<Buffer> {
  if (!existsSync(CHROMIUM)) throw new ConsoleError('collector_error', `PDF needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH); the CSV works without it`)
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  try {
    const page = await browser.newPage(cookie ? { extraHTTPHeaders: { cookie } } : {})
    const res = await page.goto(url, { waitUntil: 'networkidle', timeout: 30_000 })
    if (!res || !res.ok()) throw new ConsoleError('collector_error', `the report page answered HTTP ${res?.status() ?? 'nothing'}; open ${new URL(url).pathname} to see why`)
    return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } })
  } finally {
    await browser.close()
  }
}
