import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Fault } from './faults'
import { isActive } from './faults'

/**
 * The simulator's own Prometheus metrics. Labels are bounded: vendor (8), region (2),
 * outcome (5), HTTP code (a handful per vendor), fault kind (6), receipt result (3).
 */
export interface SimMetrics {
  registry: Registry
  requests: Counter<'vendor' | 'region' | 'outcome' | 'code'>
  apiLatency: Histogram<'vendor'>
  messages: Counter<'vendor' | 'fate'>
  receipts: Counter<'vendor' | 'result'>
}

export function createMetrics(activeFaults: () => readonly Fault[], now: () => number): SimMetrics {
  const registry = new Registry()
  const requests = new Counter({
    name: 'simulator_requests_total',
    help: 'Send requests to simulated vendors by outcome (accepted, client_error, server_error, throttled, blackhole) and HTTP status.',
    labelNames: ['vendor', 'region', 'outcome', 'code'] as const,
    registers: [registry],
  })
  const apiLatency = new Histogram({
    name: 'simulator_api_latency_seconds',
    help: 'Simulated send API latency (after time scaling).',
    labelNames: ['vendor'] as const,
    buckets: [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8],
    registers: [registry],
  })
  const messages = new Counter({
    name: 'simulator_messages_total',
    help: 'Accepted messages by decided fate (delivered, failed, undeliverable, lost, delivery_loss).',
    labelNames: ['vendor', 'fate'] as const,
    registers: [registry],
  })
  const receipts = new Counter({
    name: 'simulator_receipts_total',
    help: 'Receipt webhook posts by result (delivered first time, delivered after retry, gave up).',
    labelNames: ['vendor', 'result'] as const,
    registers: [registry],
  })
  new Gauge({
    name: 'simulator_active_faults',
    help: 'Injected faults currently active, by vendor and kind.',
    labelNames: ['vendor', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset()
      const t = now()
      for (const f of activeFaults()) if (isActive(f, t)) this.inc({ vendor: f.vendor, kind: f.kind })
    },
  })
  return { registry, requests, apiLatency, messages, receipts }
}
