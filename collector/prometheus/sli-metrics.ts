import type { ClickHouseClient } from '@clickhouse/client'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { SqlQuery } from '../query/types'
import { DIMENSIONS, eventCounts, latency, m1, m10, m3, m5, M5_CLASSES, m6, m8, type Span } from './sli-sql'

/*
 * The MFA health SLIs (M1–M10) on the collector's Prometheus /metrics, computed from ClickHouse
 * when scraped. One refresh reads every SLI and is shared by all the series of a scrape and by
 * scrapes within `cacheMs`; a failed refresh keeps the last values and counts the failure, so a
 * slow or unavailable ClickHouse never turns /metrics into an error.
 */

type Row = Record<string, unknown>
type Labels = Record<string, string>
export interface SliSnapshot { atMs: number; rows: Record<SliQuery, Row[]> }

const QUERIES = {
  m1, m3, m6, m10, m5, m8,
  m2: (s: Span) => latency(s, false),
  m9: (s: Span) => latency(s, true),
  verifications: () => eventCounts('mfa.challenge.verified', [...DIMENSIONS, 'outcome']),
  recoveries: () => eventCounts('mfa.recovery', ['reason', 'user_group']),
  bypasses: () => eventCounts('mfa.bypass', ['reason', 'user_group']),
} satisfies Record<string, (s: Span) => SqlQuery>
type SliQuery = keyof typeof QUERIES

export interface SliOptions {
  client: Pick<ClickHouseClient, 'query'>
  registry: Registry
  now: () => number
  /** Trailing window of the ratio and latency SLIs. */
  windowMs: number
  /** How long one refresh serves scrapes. */
  cacheMs: number
  log?: (line: string) => void
}

const n = (v: unknown) => Number(v ?? 0)
const dims = (r: Row, keys: readonly string[]): Labels => Object.fromEntries(keys.map((k) => [k, String(r[k] ?? '')]))
/** `quantile` is reserved for summaries (promtool refuses it on a gauge): these gauges say `percentile`. */
const PERCENTILES = ['50', '95', '99']

/** Register the SLI series on `registry`; returns the refresh (tests call it to read a snapshot). */
export function registerMfaSlis(o: SliOptions): { refresh: () => Promise<SliSnapshot | undefined> } {
  const log = o.log ?? (() => {})
  const registers = [o.registry]
  const failures = new Counter({
    name: 'factorwatch_mfa_sli_refresh_failures_total', help: 'Reads of the MFA SLIs from ClickHouse that failed (the last values stay exposed)', registers,
    // Read first: this scrape's refresh may be the one that fails.
    async collect() { await refresh() },
  })
  let last: SliSnapshot | undefined
  let pending: Promise<SliSnapshot | undefined> | undefined

  async function read(): Promise<SliSnapshot> {
    const atMs = o.now()
    const span = { fromMs: atMs - o.windowMs, toMs: atMs }
    const rows = {} as Record<SliQuery, Row[]>
    // One after another: a chDB connection runs one query at a time anyway.
    for (const [id, build] of Object.entries(QUERIES) as [SliQuery, (s: Span) => SqlQuery][]) {
      const q = build(span)
      rows[id] = await (await o.client.query({ query: q.query, query_params: q.params, format: 'JSONEachRow' })).json<Row>()
    }
    return { atMs, rows }
  }
  function refresh(): Promise<SliSnapshot | undefined> {
    if (last && o.now() - last.atMs < o.cacheMs) return Promise.resolve(last)
    pending ??= read()
      .then((s) => (last = s))
      .catch((err: unknown) => {
        failures.inc()
        log(`prometheus: reading the MFA SLIs failed: ${(err as Error).message.split('\n')[0].slice(0, 300)}`)
        return last
      })
      .finally(() => { pending = undefined })
    return pending
  }

  /** A gauge (or counter) whose series are rebuilt from the snapshot at each scrape. */
  function series(kind: 'gauge' | 'counter', name: string, help: string, labelNames: readonly string[], fill: (s: SliSnapshot, set: (labels: Labels, v: number) => void) => void) {
    const config = {
      name, help, labelNames: [...labelNames], registers,
      async collect(this: Gauge | Counter) {
        const snap = await refresh()
        this.reset()
        if (!snap) return
        fill(snap, (labels, v) => {
          if (!Number.isFinite(v)) return
          if (this instanceof Gauge) this.set(labels, v)
          else this.inc(labels, v)
        })
      },
    }
    return kind === 'gauge' ? new Gauge(config) : new Counter(config)
  }
  const window = `over the trailing ${Math.round(o.windowMs / 1000)} s`
  const ratio = (name: string, help: string, id: SliQuery) =>
    series('gauge', name, `${help} ${window}, by factor, provider, region and user group`, DIMENSIONS, (s, set) => {
      for (const r of s.rows[id]) if (n(r.total) > 0) set(dims(r, DIMENSIONS), n(r.good) / n(r.total))
    })
  const quantiles = (name: string, help: string, id: SliQuery) =>
    series('gauge', name, `${help} ${window}`, [...DIMENSIONS, 'percentile'], (s, set) => {
      for (const r of s.rows[id]) (r.q as number[]).forEach((v, i) => set({ ...dims(r, DIMENSIONS), percentile: PERCENTILES[i] }, v))
    })
  const counts = (name: string, help: string, id: SliQuery, labels: readonly string[]) =>
    series('counter', name, help, labels, (s, set) => { for (const r of s.rows[id]) set(dims(r, labels), n(r.n)) })

  ratio('factorwatch_mfa_challenge_success_ratio', 'M1: flows with a successful second-factor verification / flows with any verification (retries in a flow count once)', 'm1')
  quantiles('factorwatch_mfa_challenge_latency_seconds', 'M2: issue-to-verify latency of successful verifications at the 50th, 95th and 99th percentile', 'm2')
  ratio('factorwatch_mfa_fallback_ratio', 'M3: challenged flows that fell back to another factor or vendor / challenged flows', 'm3')
  counts('factorwatch_mfa_recovery_events_total', 'M4: account recovery events (requests, approvals, completions) by reason and user group', 'recoveries', ['reason', 'user_group'])
  series('gauge', 'factorwatch_mfa_challenge_error_ratio', `M5: failed verifications of each class (user_error, brute_force, system_error) / verifications ${window}`, [...DIMENSIONS, 'class'], (s, set) => {
    for (const r of s.rows.m5) if (n(r.attempts) > 0) for (const c of M5_CLASSES) set({ ...dims(r, DIMENSIONS), class: c }, n(r[c]) / n(r.attempts))
  })
  ratio('factorwatch_mfa_provider_impact_ratio', 'M6: challenged flows that met a provider error or timeout / challenged flows', 'm6')
  counts('factorwatch_mfa_bypass_events_total', 'M7: MFA bypass events (trusted device, policy exempt, break-glass, admin override) by reason and user group', 'bypasses', ['reason', 'user_group'])
  series('gauge', 'factorwatch_mfa_enrollment_coverage_ratio', 'M8: accounts enrolled in a factor / accounts, by user group and factor (latest enrollment snapshot)', ['user_group', 'factor'], (s, set) => {
    for (const r of s.rows.m8) if (n(r.total) > 0) set(dims(r, ['user_group', 'factor']), n(r.enrolled) / n(r.total))
  })
  quantiles('factorwatch_mfa_push_acceptance_latency_seconds', 'M9: push sent to approved at the 50th, 95th and 99th percentile (the SLI is the 95th)', 'm9')
  ratio('factorwatch_mfa_abandonment_ratio', 'M10: challenged flows with no terminal outcome within 10 minutes / decided flows', 'm10')
  counts('factorwatch_mfa_challenge_verifications_total', 'Second-factor verifications stored, by factor, provider, region, user group and outcome', 'verifications', [...DIMENSIONS, 'outcome'])
  series('gauge', 'factorwatch_mfa_sli_window_seconds', 'Trailing window of the factorwatch_mfa_*_ratio and latency gauges', [], (_s, set) => set({}, o.windowMs / 1000))
  return { refresh }
}
