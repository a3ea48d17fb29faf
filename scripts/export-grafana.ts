import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { renderGrafana } from '../collector/alerting/export/render'
import { DEFAULT_RULE_FILES, loadRuleSet } from '../collector/alerting/load'

/** npm run export:grafana -- --out DIR [--slos FILE] [--alerts FILE] */
const { values } = parseArgs({ options: { out: { type: 'string' }, slos: { type: 'string' }, alerts: { type: 'string' } } })
if (!values.out) {
  process.stderr.write('usage: npm run export:grafana -- --out DIR [--slos dashboards/slos.yaml] [--alerts dashboards/alerts.yaml]\n')
  process.exit(2)
}
try {
  const set = loadRuleSet({ slos: values.slos ?? DEFAULT_RULE_FILES.slos, alerts: values.alerts ?? DEFAULT_RULE_FILES.alerts })
  mkdirSync(resolve(values.out), { recursive: true })
  for (const [name, text] of Object.entries(renderGrafana(set))) {
    writeFileSync(join(resolve(values.out), name), text)
    process.stdout.write(`wrote ${join(resolve(values.out), name)}\n`)
  }
} catch (err) {
  process.stderr.write(`export:grafana: ${(err as Error).message}\n`)
  process.exit(1)
}
