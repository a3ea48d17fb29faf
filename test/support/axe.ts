import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

/** One axe-core rule broken on a page: which rule and the selectors of the elements. */
export interface AxeViolation { id: string; impact: string | null; help: string; targets: string[] }

/**
 * Run axe-core (WCAG 2.x A/AA rules, incl. 2.2) on the page as it is now. The engine is the
 * npm package's own browser build, injected as a script: no network.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const path = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
  await page.addScriptTag({ path })
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe
    const res = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }))
  })
}
