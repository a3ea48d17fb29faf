import type { ProviderSeriesRequest, ProvidersRequest } from './params'
import { REQUEST_REASONS, reasonColumn } from './providers'
import { fillSeries, ratio, round, sum } from './series'
import { num, numOrNull } from './sql'
import { type CircuitJson, PROVIDER_SERIES_COLUMNS, type ProviderHealth, type ProviderSeriesResponse, type Quantiles } from '../../contract/query'
import type { Row } from './types'

/** Rows of the provider statements (providers.ts) → the JSON of README.md (contract/query.ts). Pure. */

const NO_CIRCUIT: CircuitJson = { state: null, since: null, transitions_in_window: 0, transitions: [] }

function quantiles<N extends 'p50' | 'p95' | 'p99'>(n: unknown, q: unknown, names: readonly N[]): Pick<Quantiles, N> | null {
  if (num(n) === 0 || !Array.isArray(q)) return null
  const out: Record<string, number | null> = {}
  names.forEach((name, i) => {
    const v = numOrNull(q[i])
    out[name] = v === null ? null : round(v, 1)
  })
  return out as Pick<Quantiles, N>
}

const iso = (ms: unknown) => new Date(num(ms)).toISOString()

export function shapeCircuit(row: Row | undefined): CircuitJson {
  if (!row) return NO_CIRCUIT
  const transitions = (Array.isArray(row.transitions) ? row.transitions : []).map((t: unknown) => {
    // A tuple arrives as an array (JSONEachRow) or as an object keyed by position.
    const [ts, from, to, reason] = Array.isArray(t) ? t : Object.values(t as Record<string, unknown>)
    return { ts: iso(ts), from: String(from) || 'unknown', to: String(to), reason: String(reason) }
  })
  return { state: String(row.state) as CircuitJson['state'], since: iso(row.since_ms), transitions_in_window: num(row.transitions_n), transitions }
}

function emptyHealth(provider: string, channel: string): ProviderHealth {
  return {
    provider, channel, requests: 0, successes: 0, errors: 0, availability: null, error_rate: null,
    by_reason: Object.fromEntries(REQUEST_REASONS.map((r) => [r, 0])), latency_ms: null,
    delivery: { receipts: 0, delivered: 0, late: 0, success_rate: null, time_to_delivery_ms: null },
    fallback: { in: 0, out: 0, share: null, in_by_reason: {}, out_by_reason: {} },
    cost: { total_micros: 0, successful_verifications: 0, per_successful_verification_micros: null },
    circuit: NO_CIRCUIT, series: [],
  }
}

function fromWholeRow(r: Row): ProviderHealth {
  const h = emptyHealth(String(r.provider), String(r.channel))
  h.requests = num(r.requests)
  h.successes = num(r.successes)
  h.errors = num(r.errors)
  h.availability = ratio(h.successes, h.requests)
  h.error_rate = ratio(h.errors, h.requests)
  for (const reason of REQUEST_REASONS) h.by_reason[reason] = num(r[reasonColumn(reason)] ?? 0)
  h.latency_ms = quantiles(r.latency_n, r.latency_q, ['p50', 'p95', 'p99'])
  const receipts = num(r.deliveries)
  const delivered = num(r.delivered)
  h.delivery = { receipts, delivered, late: num(r.late), success_rate: ratio(delivered, receipts), time_to_delivery_ms: quantiles(r.ttd_n, r.ttd_q, ['p50', 'p95']) }
  h.cost.total_micros = num(r.cost_total)
  return h
}

const keyOf = (provider: string, channel: string) => `${provider}\u0000${channel}`

/**
 * Fallback rows name providers, not channels: one with an empty channel goes to the provider's
 * only row (a vendor serving several channels cannot tell, and is left uncounted).
 */
function attribute(byKey: Map<string, ProviderHealth>, provider: string, channel: string): ProviderHealth | undefined {
  if (channel !== '') return byKey.get(keyOf(provider, channel))
  const rows = [...byKey.values()].filter((h) => h.provider === provider)
  return rows.length === 1 ? rows[0] : undefined
}

const bump = (m: Record<string, number>, k: string, n: number) => (m[k || 'unspecified'] = (m[k || 'unspecified'] ?? 0) + n)

export function shapeProviders(req: ProvidersRequest, rows: { totals: Row[]; buckets: Row[]; fallbacks: Row[]; verifications: Row[]; circuits: Row[] }): { providers: ProviderHealth[] } {
  const byKey = new Map<string, ProviderHealth>()
  const buckets = new Map<string, Row[]>()
  for (const r of rows.totals) byKey.set(keyOf(String(r.provider), String(r.channel)), fromWholeRow(r))
  for (const r of rows.buckets) {
    const key = keyOf(String(r.provider), String(r.channel))
    buckets.set(key, [...(buckets.get(key) ?? []), r])
  }
  const circuits = new Map(rows.circuits.map((r) => [String(r.provider), r]))
  // A provider whose circuit changed but that took no traffic (open all window) is still listed.
  for (const [provider, r] of circuits) {
    if ([...byKey.values()].some((h) => h.provider === provider)) continue
    const channel = String(r.last_channel ?? '')
    if (req.channel !== undefined && channel !== req.channel) continue
    byKey.set(keyOf(provider, channel), emptyHealth(provider, channel))
  }
  for (const f of rows.fallbacks) {
    const n = num(f.n)
    const into = attribute(byKey, String(f.fallback_to), String(f.channel))
    if (into) { into.fallback.in += n; bump(into.fallback.in_by_reason, String(f.reason), n) }
    const away = attribute(byKey, String(f.fallback_from), String(f.channel))
    if (away) { away.fallback.out += n; bump(away.fallback.out_by_reason, String(f.reason), n) }
  }
  const verified = new Map(rows.verifications.map((r) => [String(r.factor), num(r.n)]))
  const providers = [...byKey.entries()].map(([key, h]) => {
    h.fallback.share = ratio(h.fallback.in, h.requests)
    const successes = verified.get(h.channel) ?? 0
    h.cost.successful_verifications = successes
    h.cost.per_successful_verification_micros = successes > 0 ? round(h.cost.total_micros / successes, 1) : null
    h.circuit = shapeCircuit(circuits.get(h.provider))
    h.series = fillSeries(req.window, buckets.get(key) ?? [], (b): [number, number] => [sum(b, 'requests'), sum(b, 'errors')])
    return h
  })
  providers.sort((a, b) => a.channel.localeCompare(b.channel) || a.provider.localeCompare(b.provider))
  return { providers }
}

export function shapeProviderSeries(req: ProviderSeriesRequest, rows: Row[], circuits: Row[]): Omit<ProviderSeriesResponse, 'window' | 'source'> {
  const whole = rows.find((r) => num(r.whole) === 1)
  const buckets = rows.filter((r) => num(r.whole) !== 1)
  const p95 = (r: Row | undefined) => (r ? (quantiles(r.latency_n, r.latency_q, ['p50', 'p95', 'p99'])?.p95 ?? null) : null)
  const totals = { requests: 0, successes: 0, errors: 0, deliveries: 0, delivered: 0 }
  if (whole) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] = num(whole[k])
  return {
    provider: req.provider,
    channel: req.channel ?? null,
    columns: [...PROVIDER_SERIES_COLUMNS],
    series: fillSeries(req.window, buckets, (b): [number, number, number | null, number, number] => [sum(b, 'requests'), sum(b, 'errors'), p95(b[0]), sum(b, 'deliveries'), sum(b, 'delivered')]),
    totals: {
      ...totals,
      availability: ratio(totals.successes, totals.requests),
      error_rate: ratio(totals.errors, totals.requests),
      delivery_success_rate: ratio(totals.delivered, totals.deliveries),
      latency_ms: whole ? quantiles(whole.latency_n, whole.latency_q, ['p50', 'p95', 'p99']) : null,
    },
    circuit: shapeCircuit(circuits.find((r) => String(r.provider) === req.provider)),
  }
}
