import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_RUNBOOK_BASE, renderPrometheus } from '../collector/alerting/export/render'
import { DEFAULT_RULE_FILES, loadRuleSet } from '../collector/alerting/load'

/** npm run export:prometheus -- --out DIR [--slos FILE] [--alerts FILE] [--runbook-base URL] */
const { values } = parseArgs({ options: { out: { type: 'string' }, slos: { type: 'string' }, alerts: { type: 'string' }, 'runbook-base': { type: 'string' } } })
if (!values.out) {
  process.stderr.write('usage: npm run export:prometheus -- --out DIR [--slos dashboards/slos.yaml] [--alerts dashboards/alerts.yaml] [--runbook-base URL]\n')
  process.exit(2)
}
try {
  const set = loadRuleSet({ slos: values.slos ?? DEFAULT_RULE_FILES.slos, alerts: values.alerts ?? DEFAULT_RULE_FILES.alerts })
  const out = renderPrometheus(set, values['runbook-base'] ?? DEFAULT_RUNBOOK_BASE)
  mkdirSync(resolve(values.out), { recursive: true })
  for (const [name, text] of Object.entries(out.files)) writeFileSync(join(resolve(values.out), name), text)
  process.stdout.write(`wrote ${Object.keys(out.files).map((f) => join(resolve(values.out!), f)).join(', ')}: ${out.rules} rules, ${out.skipped} not exportable (listed at the top)\n`)
} catch (err) {
  process.stderr.write(`export:prometheus: ${(err as Error).message}\n`)
  process.exit(1)
}
