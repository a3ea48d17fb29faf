import { collectDefaultMetrics, type Registry } from 'prom-client'

/**
 * prom-client's gauges that end in `_total` (a suffix Prometheus reserves for counters, so
 * `promtool check metrics` refuses them); each is the sum of its per-type gauge of the same name
 * without the suffix, which stays.
 */
export const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const

/**
 * Node's process metrics under the standard names (process_*, nodejs_*, no product prefix), as
 * every Node exporter publishes them, so stock dashboards and alerts find them.
 */
export function standardProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry })
  for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name)
}
