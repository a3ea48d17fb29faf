import { AlertsResponse } from '../../contract/slo'
import type { OncallView, ProviderStatus } from './alerting-api'
import { activeAlerts } from './alerts'
import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import { OncallMetrics, type ProviderHealthRead as ProviderHealth, ProvidersRead, RecoveryMetrics } from './collector-reads'
import { parseRange, type QueryWindow, resolveWindow } from './time-range'

type Params = { get(name: string): string | null }

/** Open recovery requests are counted over this look-back, whatever the page's range. */
export const RECOVERY_LOOKBACK_DAYS = 7
/** Under this availability (and not open) a vendor is degraded. */
export const DEGRADED_AVAILABILITY = 0.99

export function providerStatus(h: ProviderHealth): ProviderStatus {
  const open = h.circuit.state === 'open'
  const status: ProviderStatus['status'] =
    open || (h.requests > 0 && h.availability !== null && h.availability < 0.5) ? 'outage'
    : h.circuit.state === 'half_open' || (h.availability !== null && h.availability < DEGRADED_AVAILABILITY) ? 'degraded'
    : h.requests === 0 ? 'idle' : 'ok'
  return { provider: h.provider, channel: h.channel, status, circuit: h.circuit.state, availability: h.availability, requests: h.requests }
}

const STATUS_RANK: Record<ProviderStatus['status'], number> = { outage: 0, degraded: 1, ok: 2, idle: 3 }
const CHANNELS = ['sms', 'voice', 'email', 'push']
const channelRank = (c: string) => (CHANNELS.includes(c) ? CHANNELS.indexOf(c) : CHANNELS.length)

/**
 * Requests not yet closed over the look-back: requested − (approved-and-completed, denied,
 * expired). An estimate from counts (requests older than the look-back are not seen), never
 * below zero.
 */
export function openRecovery(byReason: Record<string, number>): OncallView['recovery'] {
  const requested = byReason.requested ?? 0
  const closed = (byReason.completed ?? 0) + (byReason.denied ?? 0) + (byReason.expired ?? 0)
  return { open: Math.max(0, requested - closed), requested, closed, lookbackDays: RECOVERY_LOOKBACK_DAYS }
}

export function buildOncall(window: QueryWindow, alerts: AlertsResponse, metrics: OncallMetrics, providers: ProvidersRead, recovery: RecoveryMetrics, now: Date): OncallView {
  const active = activeAlerts(alerts.alerts)
  const r = metrics.M5.rates
  return {
    generatedAt: now.toISOString(),
    alertsAt: alerts.generated_at,
    window: { from: window.from.toISOString(), to: window.to.toISOString(), step: window.step },
    active,
    counts: {
      firing: active.filter((a) => a.state === 'firing').length,
      pending: active.filter((a) => a.state === 'pending').length,
      page: active.filter((a) => a.state === 'firing' && a.severity === 'page' && !a.silenced).length,
      silenced: active.filter((a) => a.silenced).length,
    },
    errorRate: {
      value: metrics.M5.value,
      attempts: metrics.M5.attempts,
      split: { systemError: r.system_error ?? null, bruteForce: r.brute_force ?? null, userError: r.user_error ?? null },
      series: metrics.M5.series.map(([t, v]) => ({ t, v })),
    },
    latency: { p95: metrics.M2.value?.p95 ?? null, p99: metrics.M2.value?.p99 ?? null, series: metrics.M2.series.map(([t, , p95, p99]) => ({ t, p95, p99 })) },
    providers: providers.providers.map(providerStatus).sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || channelRank(a.channel) - channelRank(b.channel) || a.provider.localeCompare(b.provider)),
    recovery: openRecovery(recovery.M4.by_reason),
  }
}

export async function loadOncall(params: Params, deps: CollectorDeps, now: Date): Promise<OncallView> {
  const range = parseRange(params, now)
  if (!range.ok) throw new ConsoleError('invalid_parameter', range.error.message, range.error.parameter)
  const window = resolveWindow(range.value, now)
  const w = { from: window.from.toISOString(), to: window.to.toISOString(), step: String(window.step) }
  const lookbackFrom = new Date(window.to.getTime() - RECOVERY_LOOKBACK_DAYS * 86_400_000)
  const [alerts, metrics, providers, recovery] = await Promise.all([
    getFromCollector(deps, '/api/v1/alerts', {}, AlertsResponse),
    getFromCollector(deps, '/api/v1/metrics', { ids: 'M2,M5', ...w }, OncallMetrics),
    getFromCollector(deps, '/api/v1/providers', w, ProvidersRead),
    getFromCollector(deps, '/api/v1/metrics', { ids: 'M4', from: lookbackFrom.toISOString(), to: w.to, step: '86400' }, RecoveryMetrics),
  ])
  return buildOncall(window, alerts, metrics, providers, recovery, now)
}
