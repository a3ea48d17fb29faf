import type { ClickHouseClient } from '@clickhouse/client'
import { loadScenarioRefs, loadScenarios, type Scenario } from '../../dashboards/schema/gameday'
import { dashboardsPath } from '../../dashboards/schema/yaml-file'
import type { Slo } from '../alerting/types'
import type { CollectorConfig } from '../config'
import type { ExtraRoute } from '../query/server'
import { gameDayRoutes } from './api'
import { parseSigningKey, type SigningKey } from './assertion'
import { GameDayController, type Readings } from './controller'
import { storeEvents } from './events'
import { readGuardrails } from './readings'
import { buildReport } from './report'
import { GameDayStore } from './store'
import { httpTargets } from './targets'

/** Scenario files and the service key, checked before anything starts; throws naming the file (or the variable) and the reason. */
export function loadGameDayFiles(config: CollectorConfig): { scenarios: Scenario[]; key: SigningKey | undefined } {
  const refs = loadScenarioRefs({ slos: config.slosFile, alerts: config.alertsFile })
  const scenarios = loadScenarios(config.gamedaysDir ?? dashboardsPath('gamedays'), refs)
  let key: SigningKey | undefined
  if (config.idpServiceKey) {
    try {
      key = parseSigningKey(config.idpServiceKey)
    } catch (err) {
      throw new Error(`invalid configuration COLLECTOR_IDP_SERVICE_KEY: ${(err as Error).message}`)
    }
  }
  return { scenarios, key }
}

/** G3's readings over ClickHouse: guardrails while a drill runs, the report when it ends. */
export function storageReadings(client: ClickHouseClient, slos: readonly Slo[]): Readings {
  return {
    guardrails: (s, run, now) => readGuardrails(client, s.guardrails, { id: run.id, startMs: Date.parse(run.started_at ?? run.starts_at) }, slos, now),
    report: (s, run, now) => buildReport(client, run, s, slos, now),
  }
}

export function createGameDays(config: CollectorConfig, files: ReturnType<typeof loadGameDayFiles>, client: ClickHouseClient, slos: readonly Slo[], now: () => number, log: (l: string) => void): { controller: GameDayController; routes: ExtraRoute[] } {
  const controller = new GameDayController({
    store: new GameDayStore(client),
    targets: httpTargets({ idpUrl: config.idpUrl, simulatorUrl: config.simulatorUrl, key: files.key, now }),
    readings: storageReadings(client, slos),
    emit: storeEvents(client),
    scenarios: new Map(files.scenarios.map((s) => [s.id, s])),
    now, tickMs: config.gamedayTickMs, marginS: config.gamedayMarginS, log,
  })
  const routes = gameDayRoutes({ controller, scenarios: files.scenarios, settings: { idpUrl: !!config.idpUrl, idpKey: !!files.key, simulatorUrl: !!config.simulatorUrl } })
  return { controller, routes }
}
