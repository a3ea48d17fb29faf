import type { CatalogueResponse } from '../../contract/query'
import type { AnyMetricDef, MetricId } from './types'
import { METRIC_IDS } from './types'
import { FLOW_METRICS } from './metrics-flow'
import { LATENCY_METRICS } from './metrics-latency'
import { COUNT_METRICS } from './metrics-counts'

/** Every metric M1–M10, defined once (SQL + shaping) in the metrics-*.ts modules. */
export const CATALOGUE: ReadonlyMap<MetricId, AnyMetricDef> = new Map(
  [...FLOW_METRICS, ...LATENCY_METRICS, ...COUNT_METRICS].sort((a, b) => METRIC_IDS.indexOf(a.id) - METRIC_IDS.indexOf(b.id)).map((m) => [m.id, m]),
)

export function metricDef(id: MetricId): AnyMetricDef {
  const def = CATALOGUE.get(id)
  if (!def) throw new Error(`metric ${id} is not in the catalogue`)
  return def
}

/** `GET /api/v1/metrics/catalogue` body, without the report list (reports.ts adds it). */
export function catalogueListing(): Pick<CatalogueResponse, 'metrics'> {
  return { metrics: [...CATALOGUE.values()].map(({ id, title, unit, description, filters }) => ({ id, title, unit, description, filters: [...filters] })) }
}
