import { resolve, dirname } from 'node:path'
import { AlertsFile } from '../../dashboards/schema/alerts'
import { SlosFile } from '../../dashboards/schema/slos'
import { loadVendorSlas } from '../../dashboards/schema/vendors'
import { dashboardsPath, loadYamlFile } from '../../dashboards/schema/yaml-file'
import { compileRuleSet } from './compile'
import type { RuleSet } from './types'

export interface RuleFiles { slos: string; alerts: string }
export const DEFAULT_RULE_FILES: RuleFiles = { slos: dashboardsPath('slos.yaml'), alerts: dashboardsPath('alerts.yaml') }

/**
 * Read and validate slos.yaml, alerts.yaml and the registry the vendor SLOs come from (its path
 * is relative to slos.yaml). Throws RulesFileError naming the file, the path in it and the reason.
 */
export function loadRuleSet(files: RuleFiles = DEFAULT_RULE_FILES): RuleSet {
  const slos = loadYamlFile(SlosFile, files.slos)
  const alerts = loadYamlFile(AlertsFile, files.alerts)
  const vendors = slos.vendor_slos ? loadVendorSlas(resolve(dirname(files.slos), slos.vendor_slos.registry)) : []
  return compileRuleSet(slos, alerts, vendors)
}
