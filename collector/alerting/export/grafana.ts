import { literalBinder, sloConditions } from '../sql'
import type { RuleSet, Slo } from '../types'

/**
 * Grafana dashboards over the ClickHouse data source plugin (grafana-clickhouse-datasource),
 * reading the same mfa_events table the collector writes. The data source is a dashboard
 * input (${DS_CLICKHOUSE}) so the JSON imports into any Grafana.
 */

const DS = { type: 'grafana-clickhouse-datasource', uid: '${DS_CLICKHOUSE}' }
type Panel = Record<string, unknown>

function target(sql: string, format: 'time_series' | 'table'): Record<string, unknown> {
  return { datasource: DS, editorType: 'sql', format: format === 'time_series' ? 0 : 1, queryType: format === 'time_series' ? 'timeseries' : 'table', rawSql: sql.trim(), refId: 'A' }
}

function sloSql(slo: Slo): { ratio: string; window: string } {
  const c = sloConditions(slo, 0, literalBinder)
  const from = `FROM mfa_events WHERE event IN (${c.events.map((e) => `'${e}'`).join(', ')})`
  return {
    ratio: `SELECT $__timeInterval(ts) AS time, 1 - countIf(${c.bad}) / nullIf(countIf(${c.total}), 0) AS sli\n${from} AND $__timeFilter(ts)\nGROUP BY time ORDER BY time`,
    window: `SELECT 1 - countIf(${c.bad}) / nullIf(countIf(${c.total}), 0) AS sli, countIf(${c.total}) AS events\n${from} AND ts >= now() - INTERVAL ${slo.windowS} SECOND`,
  }
}

function dashboard(uid: string, title: string, panels: Panel[], tags: string[]): Record<string, unknown> {
  return {
    __inputs: [{ name: 'DS_CLICKHOUSE', label: 'ClickHouse', type: 'datasource', pluginId: 'grafana-clickhouse-datasource', pluginName: 'ClickHouse' }],
    uid, title, tags, timezone: 'utc', schemaVersion: 39, version: 1, editable: true, refresh: '1m',
    time: { from: 'now-24h', to: 'now' }, templating: { list: [] }, annotations: { list: [] },
    panels: panels.map((p, i) => ({ id: i + 1, ...p })),
  }
}

/** One row per SLO: the SLI over its window against the objective, and the SLI over time. */
export function sloDashboard(set: RuleSet): Record<string, unknown> {
  const panels: Panel[] = []
  let y = 0
  for (const slo of set.slos) {
    if (slo.kind === 'coverage') continue
    const q = sloSql(slo)
    const objective = slo.objective / 100
    const thresholds = { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: objective }] }
    panels.push({
      type: 'stat', title: `${slo.id}: SLI over ${slo.window} (objective ${slo.objective} %)`, description: slo.description, datasource: DS,
      gridPos: { x: 0, y, w: 6, h: 6 }, targets: [target(q.window, 'table')],
      fieldConfig: { defaults: { unit: 'percentunit', decimals: 3, thresholds }, overrides: [] }, options: { reduceOptions: { calcs: ['lastNotNull'], fields: '/^sli$/' } },
    })
    panels.push({
      type: 'timeseries', title: `${slo.id}: SLI`, description: `${slo.description} Objective ${slo.objective} % over ${slo.window}.`, datasource: DS,
      gridPos: { x: 6, y, w: 18, h: 6 }, targets: [target(q.ratio, 'time_series')],
      fieldConfig: { defaults: { unit: 'percentunit', min: Math.max(0, objective - 10 * (1 - objective)), max: 1, thresholds, custom: { thresholdsStyle: { mode: 'line' } } }, overrides: [] },
    })
    y += 6
  }
  return dashboard('factorwatch-slos', 'FactorWatch SLOs', panels, ['factorwatch', 'slo'])
}

/** The guide's on-call dashboard: auth error rate, MFA latency p95/p99, provider outage status, open recovery requests. */
export function oncallDashboard(): Record<string, unknown> {
  const panels: Panel[] = [
    { type: 'timeseries', title: 'Auth error rate (second factor, system errors)', gridPos: { x: 0, y: 0, w: 12, h: 8 }, fieldConfig: { defaults: { unit: 'percentunit' }, overrides: [] },
      targets: [target(`SELECT $__timeInterval(ts) AS time, countIf(outcome IN ('error', 'timeout')) / count() AS errors, countIf(outcome IN ('failure', 'expired', 'replayed')) / count() AS user_errors\nFROM mfa_events WHERE event = 'mfa.challenge.verified' AND $__timeFilter(ts)\nGROUP BY time ORDER BY time`, 'time_series')] },
    { type: 'timeseries', title: 'MFA latency p95 / p99 (issue → verify)', gridPos: { x: 12, y: 0, w: 12, h: 8 }, fieldConfig: { defaults: { unit: 'ms' }, overrides: [] },
      targets: [target(`SELECT $__timeInterval(ts) AS time, quantile(0.95)(latency_ms) AS p95, quantile(0.99)(latency_ms) AS p99\nFROM mfa_events WHERE event = 'mfa.challenge.verified' AND outcome = 'success' AND $__timeFilter(ts)\nGROUP BY time ORDER BY time`, 'time_series')] },
    { type: 'table', title: 'Provider outage status (last 15 minutes)', gridPos: { x: 0, y: 8, w: 12, h: 8 },
      targets: [target(`SELECT provider, channel, count() AS calls, countIf(outcome != 'success') / count() AS error_ratio,\n  (SELECT argMax(circuit_state, ts) FROM mfa_events AS c WHERE c.event = 'mfa.circuit.changed' AND c.provider = e.provider) AS circuit\nFROM mfa_events AS e WHERE event = 'mfa.provider.request' AND ts >= now() - INTERVAL 15 MINUTE\nGROUP BY provider, channel ORDER BY error_ratio DESC`, 'table')] },
    { type: 'stat', title: 'Open recovery requests (last 7 days: requested − answered)', gridPos: { x: 12, y: 8, w: 12, h: 8 },
      targets: [target(`SELECT countIf(reason = 'requested') - countIf(reason IN ('approved', 'denied', 'expired')) AS open\nFROM mfa_events WHERE event = 'mfa.recovery' AND ts >= now() - INTERVAL 7 DAY`, 'table')] },
  ]
  return dashboard('factorwatch-oncall', 'FactorWatch on-call', panels.map((p) => ({ datasource: DS, ...p })), ['factorwatch', 'oncall'])
}
