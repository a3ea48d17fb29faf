import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { LogRecord } from '@opentelemetry/api-logs'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdkLogs } from './support/otel-records'
import { eventually, freePort, requirePrerequisite, startProcess, tempDir, type Running } from './support/processes'

/**
 * The collector's /metrics as Prometheus reads it: `promtool check metrics` (Debian
 * `prometheus`) accepts the exposition, the process metrics have their standard names, and the
 * MFA SLIs carry the values of the events stored through the collector's own OTLP receiver.
 */
const PROMTOOL = '/usr/bin/promtool'
const hasPromtool = requirePrerequisite(existsSync(PROMTOOL), `${PROMTOOL} (Debian package prometheus)`)

let collector: Running
let otlp = ''
let query = ''
beforeAll(async () => {
  const [o, q] = await Promise.all([freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(o), COLLECTOR_QUERY_PORT: String(q), FACTORWATCH_DATA_DIR: tempDir('prometheus'), PROMETHEUS_SLI_CACHE_S: '0',
  }, [/collector query listening/])
  otlp = `http://127.0.0.1:${o}`
  query = `http://127.0.0.1:${q}`
}, 120_000)
afterAll(async () => collector?.stop())

const HASH = 'a1b2c3d4e5f60718'
/** Contract events a few seconds old: inside the SLI window. */
function events(): LogRecord[] {
  const t = Date.now() - 20_000
  let id = 0
  const ev = (name: string, attrs: Record<string, string | number>, ms = 0): LogRecord => ({ timestamp: t + ms, eventName: name, attributes: { 'event.name': name, 'event.id': `prom-${++id}`, ...attrs } })
  const who = { 'mfa.region': 'eu-west', 'mfa.user_group': 'workforce' }
  const out: LogRecord[] = []
  // M1: TOTP flows: f1 fails then succeeds, f2 fails only -> 1 of 2 flows succeeded.
  out.push(ev('mfa.challenge.verified', { ...who, 'mfa.flow_id': 'f1', 'mfa.factor': 'totp', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.attempt': 1 }, 0))
  out.push(ev('mfa.challenge.verified', { ...who, 'mfa.flow_id': 'f1', 'mfa.factor': 'totp', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.attempt': 2, 'mfa.latency_ms': 4000 }, 1000))
  out.push(ev('mfa.challenge.verified', { ...who, 'mfa.flow_id': 'f2', 'mfa.factor': 'totp', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.attempt': 1 }, 2000))
  // M3 / M6: two SMS flows challenged through twilio, one fell back after a provider timeout.
  const sms = { ...who, 'mfa.factor': 'sms', 'mfa.provider': 'twilio', 'mfa.channel': 'sms' }
  out.push(ev('mfa.challenge.issued', { ...sms, 'mfa.flow_id': 's1' }, 0), ev('mfa.challenge.issued', { ...sms, 'mfa.flow_id': 's2' }, 0))
  out.push(ev('mfa.provider.request', { ...sms, 'mfa.flow_id': 's1', 'mfa.outcome': 'timeout', 'mfa.reason': 'timeout' }, 100))
  out.push(ev('mfa.fallback', { ...sms, 'mfa.flow_id': 's1', 'mfa.fallback_from': 'twilio', 'mfa.fallback_to': 'vonage', 'mfa.reason': 'provider_timeout' }, 200))
  // M9: push approved after 2.5 s.
  out.push(ev('mfa.challenge.verified', { ...who, 'mfa.flow_id': 'p1', 'mfa.factor': 'push', 'mfa.provider': 'fcm', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 2500 }, 0))
  // M4 / M7 / M8.
  out.push(ev('mfa.recovery', { 'mfa.reason': 'requested', 'mfa.user_group': 'customer', 'mfa.user_hash': HASH }, 0))
  out.push(ev('mfa.bypass', { 'mfa.reason': 'break_glass', 'mfa.user_group': 'admin', 'mfa.user_hash': HASH }, 0))
  out.push(ev('mfa.enrollment.snapshot', { 'mfa.user_group': 'admin', 'mfa.factor': 'webauthn', 'mfa.enrolled_count': 3, 'mfa.total_count': 4, 'mfa.reason': 'scheduled' }, 0))
  return out
}

/** `name{labels} value` lines of the exposition, labels as a sorted object. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).map((l) => {
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(l)!
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
    return { labels, value: Number(m[3]) }
  })
}

describe('collector /metrics for Prometheus', () => {
  it.skipIf(!hasPromtool)('passes promtool check metrics and shows the MFA SLIs of stored events', async () => {
    const sent = events()
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(sent, 'idp-prom'))!
    const res = await fetch(`${otlp}/v1/logs`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/x-protobuf' } })
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toBe('') // nothing rejected

    // A 200 means the rows are in the spool, not yet inserted: wait until every sent event is
    // queryable (bounded), then scrape.
    const ids = sent.map((r) => String(r.attributes!['event.id'])).sort()
    const from = new Date(Date.now() - 600_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const stored = await eventually(async () => {
      const r = await fetch(`${query}/api/v1/events?from=${from}&to=${to}&limit=100`)
      const got = ((await r.json()) as { events: { event_id?: string }[] }).events.map((e) => e.event_id ?? '').filter((id) => id.startsWith('prom-')).sort()
      return got.length === ids.length ? got : undefined
    }, 30_000, 100)
    expect(stored).toEqual(ids)

    const scrape = await fetch(`${query}/metrics`)
    expect(scrape.status).toBe(200)
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await scrape.text()

    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect(`${check.stdout}${check.stderr}`).toBe('')
    expect(check.status).toBe(0)

    // Standard process metrics, no product prefix in front of them.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m)
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m)
    expect(text).toMatch(/^nodejs_active_handles\{type="/m)
    expect(text).not.toMatch(/factorwatch_collector_process|factorwatch_collector_nodejs/)

    const totp = { factor: 'totp', provider: '', region: 'eu-west', user_group: 'workforce' }
    const sms = { factor: 'sms', provider: 'twilio', region: 'eu-west', user_group: 'workforce' }
    expect(samples(text, 'factorwatch_mfa_challenge_success_ratio')).toContainEqual({ labels: totp, value: 0.5 })
    expect(samples(text, 'factorwatch_mfa_challenge_latency_seconds')).toContainEqual({ labels: { ...totp, percentile: '50' }, value: 4 })
    expect(samples(text, 'factorwatch_mfa_fallback_ratio')).toContainEqual({ labels: sms, value: 0.5 })
    expect(samples(text, 'factorwatch_mfa_provider_impact_ratio')).toContainEqual({ labels: sms, value: 0.5 })
    expect(samples(text, 'factorwatch_mfa_challenge_error_ratio')).toContainEqual({ labels: { ...totp, class: 'user_error' }, value: 2 / 3 })
    expect(samples(text, 'factorwatch_mfa_push_acceptance_latency_seconds')).toContainEqual({ labels: { factor: 'push', provider: 'fcm', region: 'eu-west', user_group: 'workforce', percentile: '95' }, value: 2.5 })
    expect(samples(text, 'factorwatch_mfa_enrollment_coverage_ratio')).toContainEqual({ labels: { user_group: 'admin', factor: 'webauthn' }, value: 0.75 })
    expect(samples(text, 'factorwatch_mfa_recovery_events_total')).toContainEqual({ labels: { reason: 'requested', user_group: 'customer' }, value: 1 })
    expect(samples(text, 'factorwatch_mfa_bypass_events_total')).toContainEqual({ labels: { reason: 'break_glass', user_group: 'admin' }, value: 1 })
    expect(samples(text, 'factorwatch_mfa_challenge_verifications_total')).toContainEqual({ labels: { ...totp, outcome: 'failure' }, value: 2 })
    expect(samples(text, 'factorwatch_mfa_sli_window_seconds')).toEqual([{ labels: {}, value: 300 }])
    expect(text).toMatch(/^# TYPE factorwatch_mfa_abandonment_ratio gauge$/m)
    expect(samples(text, 'factorwatch_mfa_sli_refresh_failures_total')).toEqual([{ labels: {}, value: 0 }])
  }, 120_000)
})
