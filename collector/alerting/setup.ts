import { existsSync } from 'node:fs'
import type { ClickHouseClient } from '@clickhouse/client'
import { MaintenanceFile } from '../../dashboards/schema/maintenance'
import { dashboardsPath, loadYamlFile } from '../../dashboards/schema/yaml-file'
import type { CollectorConfig } from '../config'
import { alertingRoutes } from './api'
import { AlertEngine } from './engine'
import { DEFAULT_RULE_FILES, loadRuleSet } from './load'
import { alertmanagerNotifier, webhookNotifier } from './notify'
import type { Mute } from './silences'
import { AlertStore } from './store'
import type { RuleSet } from './types'

export interface LoadedRules { rules: RuleSet; fileMutes: Mute[] }

/** Read every rule file; throws (RulesFileError) naming the file, path and reason. Call before anything starts. */
export function loadAlertingFiles(config: CollectorConfig): LoadedRules {
  const rules = loadRuleSet({ slos: config.slosFile ?? DEFAULT_RULE_FILES.slos, alerts: config.alertsFile ?? DEFAULT_RULE_FILES.alerts })
  const mwPath = config.maintenanceFile ?? dashboardsPath('maintenance.yaml')
  const fileMutes: Mute[] = config.maintenanceFile || existsSync(mwPath)
    ? loadYamlFile(MaintenanceFile, mwPath).windows.map((w) => ({ ...w, kind: 'maintenance' as const, startsAt: Date.parse(w.startsAt), endsAt: Date.parse(w.endsAt), createdBy: 'dashboards/maintenance.yaml', source: 'file' as const }))
    : []
  return { rules, fileMutes }
}

export function createAlerting(config: CollectorConfig, loaded: LoadedRules, client: ClickHouseClient, queryPort: number, now: () => number, log: (l: string) => void) {
  const publicUrl = (config.publicUrl ?? `http://${config.host}:${queryPort}`).replace(/\/+$/, '')
  const engine = new AlertEngine({
    client, store: new AlertStore(client), rules: loaded.rules, now, intervalS: config.alertIntervalS, publicUrl, fileMutes: loaded.fileMutes, log,
    alertmanagers: config.alertmanagerUrls.map((u) => alertmanagerNotifier(u, fetch, log)),
    webhooks: config.alertWebhookUrls.map((u) => webhookNotifier(u, publicUrl, fetch, log)),
  })
  return { engine, routes: alertingRoutes(engine, now) }
}
