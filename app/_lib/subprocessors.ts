import { Channel } from '../../contract/enums'
import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import { FREE_TEXT } from './filters'
import { changelog, chainRank, expiring, filterOptions, inScope, type Scope, vendorFacts, CERT_WARN_DAYS } from './registry-facts'
import type { Registry } from './registry-source'
import { ImpactMetrics, type ProviderHealthRead as ProviderHealth, type ProviderSeriesRead, ProviderSeriesRead as SeriesSchema, ProvidersRead } from './collector-reads'
import type { Circuit, SubprocessorsView, VendorRow, VendorView } from './subprocessors-api'
import { parseRange, type QueryWindow, resolveWindow } from './time-range'

/** Sub-processors pages: validate the request, read the collector, join the registry. */

type Params = { get(name: string): string | null }

const NO_CIRCUIT: Circuit = { state: null, since: null, transitionsInWindow: 0, transitions: [] }

function invalid(parameter: string, message: string): never {
  throw new ConsoleError('invalid_parameter', message, parameter)
}

/** `channel` (contract enum) and `region` (a label); empty means all. */
export function parseScope(params: Params): Scope {
  const scope: Scope = {}
  const channel = params.get('channel')
  if (channel) {
    if (!(Channel.options as readonly string[]).includes(channel)) invalid('channel', `invalid channel: got "${channel.slice(0, 80)}", expected one of ${Channel.options.join(', ')}`)
    scope.channel = channel
  }
  const region = params.get('region')
  if (region) {
    if (!FREE_TEXT.test(region)) invalid('region', `invalid region: got "${region.slice(0, 80)}", expected 1-64 letters, digits, "_", ".", ":" or "-"`)
    scope.region = region
  }
  return scope
}

function windowOf(params: Params, now: Date): QueryWindow {
  const range = parseRange(params, now)
  if (!range.ok) invalid(range.error.parameter, range.error.message)
  return resolveWindow(range.value, now)
}

const windowJson = (w: QueryWindow) => ({ from: w.from.toISOString(), to: w.to.toISOString(), step: w.step })

function circuitOf(c: ProviderHealth['circuit']): Circuit {
  return { state: c.state, since: c.since, transitionsInWindow: c.transitions_in_window, transitions: c.transitions }
}

function rowOf(h: ProviderHealth | undefined, provider: string, channel: string, vendor: Registry['vendors'][number] | undefined): VendorRow {
  const slaPct = vendor?.slaAvailabilityPct ?? null
  const availability = h?.availability ?? null
  return {
    provider,
    channel,
    legalName: vendor?.legalName ?? null,
    registered: vendor !== undefined,
    requests: h?.requests ?? 0,
    errors: h?.errors ?? 0,
    availability,
    errorRate: h?.error_rate ?? null,
    latencyMs: h?.latency_ms ?? null,
    delivery: { receipts: h?.delivery.receipts ?? 0, successRate: h?.delivery.success_rate ?? null, timeToDeliveryMs: h?.delivery.time_to_delivery_ms ?? null },
    fallback: { in: h?.fallback.in ?? 0, out: h?.fallback.out ?? 0, share: h?.fallback.share ?? null },
    cost: { totalMicros: h?.cost.total_micros ?? 0, perSuccessMicros: h?.cost.per_successful_verification_micros ?? null },
    slaPct,
    // Compared in basis points of a percent so 0.9995 meets 99.95 despite float noise.
    meetsSla: slaPct === null || availability === null ? null : Math.round(availability * 1e6) >= Math.round(slaPct * 1e4),
    circuit: h ? circuitOf(h.circuit) : NO_CIRCUIT,
    series: h ? h.series.map(([t, requests, errors]) => ({ t, requests, errors })) : [],
  }
}

/**
 * One row per vendor × channel: every registry vendor in scope (with or without traffic) and
 * every provider seen in telemetry (flagged when the registry does not list it). Ordered by
 * channel, then the vendor's place in the fallback chain, so the primary comes first.
 */
export function buildRows(providers: ProviderHealth[], registry: Registry, scope: Scope): VendorRow[] {
  const byId = new Map(registry.vendors.map((v) => [v.id, v]))
  const seen = new Map(providers.map((h) => [`${h.provider}/${h.channel}`, h]))
  const keys = new Map<string, [string, string]>()
  for (const v of registry.vendors.filter((v) => inScope(v, scope)))
    for (const c of v.channels) if (scope.channel === undefined || c === scope.channel) keys.set(`${v.id}/${c}`, [v.id, c])
  for (const h of providers) keys.set(`${h.provider}/${h.channel}`, [h.provider, h.channel])
  const channelOrder = (c: string) => {
    const i = ['sms', 'voice', 'email', 'push'].indexOf(c)
    return i < 0 ? 99 : i
  }
  return [...keys.entries()]
    .map(([key, [provider, channel]]) => rowOf(seen.get(key), provider, channel, byId.get(provider)))
    .sort((a, b) =>
      channelOrder(a.channel) - channelOrder(b.channel) || a.channel.localeCompare(b.channel) ||
      chainRank(registry, a.provider, a.channel, scope.region) - chainRank(registry, b.provider, b.channel, scope.region) || a.provider.localeCompare(b.provider))
}

export function buildSubprocessors(window: QueryWindow, scope: Scope, res: ProvidersRead, registry: Registry, now: Date): SubprocessorsView {
  return {
    window: windowJson(window),
    generatedAt: now.toISOString(),
    filters: scope,
    options: filterOptions(registry),
    rows: buildRows(res.providers, registry, scope),
    vendors: registry.vendors.filter((v) => inScope(v, scope)).map((v) => vendorFacts(registry, v, now)),
    changelog: changelog(registry),
    expiring: expiring(registry, scope, now),
    warnDays: CERT_WARN_DAYS,
    empty: res.providers.length === 0,
  }
}

const scopeParams = (w: QueryWindow, scope: Scope) => ({ from: w.from.toISOString(), to: w.to.toISOString(), step: String(w.step), channel: scope.channel, region: scope.region })

export async function loadSubprocessors(params: Params, deps: CollectorDeps, registry: () => Promise<Registry>, now: Date): Promise<SubprocessorsView> {
  const window = windowOf(params, now)
  const scope = parseScope(params)
  // M3 and M6 for the same window: how many sign-ins had to fall back, and how many a vendor failure touched.
  const metricParams = { ids: 'M3,M6', from: window.from.toISOString(), to: window.to.toISOString(), step: String(window.step), region: scope.region, factor: scope.channel }
  const [res, reg, impact] = await Promise.all([
    getFromCollector(deps, '/api/v1/providers', scopeParams(window, scope), ProvidersRead),
    registry(),
    getFromCollector(deps, '/api/v1/metrics', metricParams, ImpactMetrics),
  ])
  return { ...buildSubprocessors(window, scope, res, reg, now), impact: { fallbackRate: impact.M3.value, outageImpact: impact.M6.value } }
}

export function buildVendor(window: QueryWindow, provider: string, providers: ProvidersRead, series: ProviderSeriesRead, registry: Registry, now: Date): VendorView {
  const vendor = registry.vendors.find((v) => v.id === provider)
  const rows = buildRows(providers.providers.filter((h) => h.provider === provider), { ...registry, vendors: vendor ? [vendor] : [] }, {})
  const t = series.totals
  return {
    window: windowJson(window),
    generatedAt: now.toISOString(),
    provider,
    facts: vendor ? vendorFacts(registry, vendor, now) : null,
    rows,
    series: series.series.map(([ts, requests, errors, p95, deliveries, delivered]) => ({
      t: ts, requests, errors, ok: requests - errors, errorRate: requests > 0 ? errors / requests : null, p95, deliveries, delivered, undelivered: deliveries - delivered,
    })),
    totals: { requests: t.requests, errors: t.errors, availability: t.availability, errorRate: t.error_rate, deliveries: t.deliveries, deliverySuccessRate: t.delivery_success_rate, latencyMs: t.latency_ms },
    circuit: circuitOf(series.circuit),
    changelog: changelog(registry, provider),
    empty: t.requests === 0 && t.deliveries === 0,
  }
}

/** One vendor: its rows, buckets and circuit history; 404 when neither registry nor telemetry knows it. */
export async function loadVendor(provider: string, params: Params, deps: CollectorDeps, registry: () => Promise<Registry>, now: Date): Promise<VendorView> {
  if (!FREE_TEXT.test(provider)) invalid('vendor', `invalid vendor: got "${provider.slice(0, 80)}", expected a vendor id such as twilio`)
  const window = windowOf(params, now)
  const scope = parseScope(params)
  const common = scopeParams(window, scope)
  const [providers, series, reg] = await Promise.all([
    getFromCollector(deps, '/api/v1/providers', common, ProvidersRead),
    getFromCollector(deps, '/api/v1/providers/series', { ...common, provider }, SeriesSchema),
    registry(),
  ])
  const view = buildVendor(window, provider, providers, series, reg, now)
  if (!view.facts && view.rows.length === 0 && view.empty && view.circuit.state === null) {
    throw new ConsoleError('not_found', `no vendor "${provider}" in the sub-processor registry, and no telemetry from it in this time range`)
  }
  return view
}
