import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** prom-client metrics of the IdP. Labels are bounded: route patterns, factors, outcomes; never users. */
export function createIdpMetrics() {
  const registry = new Registry()
  // Standard names (process_*, nodejs_*): what stock Node dashboards and alerts look for. The
  // nodejs_active_*_total gauges break Prometheus naming (`_total` is for counters); their
  // per-type gauges without the suffix stay.
  collectDefaultMetrics({ register: registry })
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name)
  const m = {
    registry,
    httpRequests: new Counter({ name: 'idp_http_requests_total', help: 'HTTP requests by route pattern and status class', labelNames: ['method', 'route', 'status_class'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'idp_http_request_duration_seconds', help: 'HTTP request duration by route pattern', labelNames: ['route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    verifications: new Counter({ name: 'idp_mfa_verifications_total', help: 'Second-factor verifications by factor and outcome', labelNames: ['factor', 'outcome'], registers: [registry] }),
    verifyLatency: new Histogram({ name: 'idp_mfa_challenge_to_verify_seconds', help: 'Time from challenge issued to verification, by factor', labelNames: ['factor'], buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300], registers: [registry] }),
    logins: new Counter({ name: 'idp_logins_completed_total', help: 'Terminal login outcomes', labelNames: ['outcome', 'reason'], registers: [registry] }),
    enrollments: new Counter({ name: 'idp_enrollment_changes_total', help: 'Factor enrollment changes', labelNames: ['factor', 'reason'], registers: [registry] }),
    lockouts: new Counter({ name: 'idp_lockouts_total', help: 'Lockouts by reason', labelNames: ['reason'], registers: [registry] }),
    eventsEmitted: new Counter({ name: 'idp_telemetry_events_total', help: 'Contract events emitted', labelNames: ['event'], registers: [registry] }),
    telemetryDropped: new Counter({ name: 'idp_telemetry_dropped_total', help: 'Log records and spans never delivered to the collector, by signal and reason (buffer_full, refused, shutdown)', labelNames: ['signal', 'reason'], registers: [registry] }),
    telemetryFailures: new Counter({ name: 'idp_telemetry_export_failures_total', help: 'OTLP exports that failed and will be retried (collector unreachable or busy), by signal', labelNames: ['signal'], registers: [registry] }),
    telemetryBuffered: new Gauge({ name: 'idp_telemetry_buffered', help: 'Log records and spans held in memory until the collector accepts them, by signal', labelNames: ['signal'], registers: [registry] }),
    providerRequests: new Counter({ name: 'idp_provider_requests_total', help: 'Calls to sub-processors by provider, channel and outcome', labelNames: ['provider', 'channel', 'outcome'], registers: [registry] }),
    fallbacks: new Counter({ name: 'idp_fallbacks_total', help: 'Moves to the next vendor of a channel by reason', labelNames: ['channel', 'reason'], registers: [registry] }),
    circuitState: new Gauge({ name: 'idp_circuit_state', help: 'Breaker state per vendor: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers: [registry] }),
    circuitTransitions: new Counter({ name: 'idp_circuit_transitions_total', help: 'Breaker transitions per vendor', labelNames: ['provider', 'to'], registers: [registry] }),
    deliveries: new Counter({ name: 'idp_provider_deliveries_total', help: 'Delivery receipts (and missing ones) by provider, channel and reason', labelNames: ['provider', 'channel', 'reason'], registers: [registry] }),
    withoutMfa: new Gauge({ name: 'idp_accounts_without_mfa', help: 'Accounts with no active second factor, by user group (latest enrollment snapshot)', labelNames: ['user_group'], registers: [registry] }),
    receiptsRefused: new Counter({ name: 'idp_receipts_refused_total', help: 'Receipt webhooks refused (bad signature, malformed) by provider', labelNames: ['provider', 'reason'], registers: [registry] }),
    rateLimited: new Counter({ name: 'idp_rate_limited_total', help: 'Requests refused by the per-address limits, by bucket', labelNames: ['bucket'], registers: [registry] }),
    overloaded: new Counter({ name: 'idp_requests_refused_total', help: 'Requests refused with 503 because too many were in flight', registers: [registry] }),
  }
  return m
}
export type IdpMetrics = ReturnType<typeof createIdpMetrics>
