import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { rmSync } from 'node:fs'
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer'
import { metrics, resources } from '@opentelemetry/sdk-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { createOtlpServer } from '../collector/otlp/server'
import { openClickHouse, type ClickHouseClient } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { runToExit, tempDir } from './support/processes'

/**
 * /v1/metrics stores what a real OpenTelemetry JS MeterProvider measured (serialized by the
 * exporters' own serializers, protobuf and JSON) in the contrib ClickHouse exporter's
 * otel_metrics_gauge / _sum / _histogram, in embedded ClickHouse.
 */
class ManualReader extends metrics.MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

let client: ClickHouseClient
let close: () => Promise<void>
let server: Server
let base: string
let dataDir: string

beforeAll(async () => {
  dataDir = tempDir('otlp-metrics')
  const ch = await openClickHouse(loadCollectorConfig({}, { dataDir }))
  client = ch.client
  close = ch.close
  await migrate(client, { ttlDays: 30 })
  server = createOtlpServer({ client, maxBodyBytes: 1024 * 1024 })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 120_000)
afterAll(async () => {
  await new Promise((r) => server?.close(r))
  await close?.()
  rmSync(dataDir, { recursive: true, force: true })
})

const rows = async (sql: string, params: Record<string, unknown> = {}) =>
  (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Record<string, any>>()

/** One collection of a real MeterProvider: a counter, a gauge, a histogram and an exponential histogram. */
async function measure(service: string) {
  const reader = new ManualReader()
  const provider = new metrics.MeterProvider({
    resource: resources.resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
    readers: [reader],
    views: [{ instrumentName: 'idp.push.latency', aggregation: { type: metrics.AggregationType.EXPONENTIAL_HISTOGRAM } }],
  })
  const meter = provider.getMeter('factorwatch-test', '1.0.0')
  const sent = meter.createCounter('idp.sms.sent', { unit: '{message}', description: 'SMS handed to a vendor' })
  sent.add(3, { vendor: 'twilio' })
  sent.add(2, { vendor: 'vonage' })
  meter.createGauge('idp.breaker.state', { description: 'open=2' }).record(2, { vendor: 'twilio' })
  const latency = meter.createHistogram('idp.verify.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } })
  for (const v of [0.05, 0.5, 0.7, 5]) latency.record(v, { factor: 'totp' })
  meter.createHistogram('idp.push.latency', { unit: 's' }).record(1.5)
  const { resourceMetrics } = await reader.collect()
  await provider.shutdown()
  return resourceMetrics
}

describe('/v1/metrics into the contrib exporter tables', () => {
  it.each([
    ['protobuf', 'application/x-protobuf'],
    ['json', 'application/json'],
  ] as const)('stores sums, gauges and histograms sent as OTLP/%s; says which points it did not take', async (encoding, type) => {
    const service = `metrics-${encoding}`
    const rm = await measure(service)
    const body = encoding === 'json' ? JsonMetricsSerializer.serializeRequest(rm)! : ProtobufMetricsSerializer.serializeRequest(rm)!
    const res = await fetch(`${base}/v1/metrics`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type } })
    expect(res.status).toBe(200)
    if (encoding === 'json') {
      expect(await res.json()).toEqual({ partialSuccess: { rejectedDataPoints: 1, errorMessage: expect.stringMatching(/idp\.push\.latency: exponential_histogram data points are not stored/) } })
    }

    const sums = await rows(`SELECT MetricName, MetricUnit, MetricDescription, Attributes, Value, AggregationTemporality, IsMonotonic, ScopeName, ResourceAttributes FROM otel_metrics_sum WHERE ServiceName = {s:String} ORDER BY Attributes['vendor']`, { s: service })
    expect(sums).toMatchObject([
      { MetricName: 'idp.sms.sent', MetricUnit: '{message}', MetricDescription: 'SMS handed to a vendor', Attributes: { vendor: 'twilio' }, Value: 3, AggregationTemporality: 2, IsMonotonic: true, ScopeName: 'factorwatch-test' },
      { Attributes: { vendor: 'vonage' }, Value: 2 },
    ])
    expect(sums[0].ResourceAttributes).toMatchObject({ 'service.name': service, 'deployment.environment.name': 'test' })

    expect(await rows(`SELECT MetricName, Value, Attributes FROM otel_metrics_gauge WHERE ServiceName = {s:String}`, { s: service }))
      .toEqual([{ MetricName: 'idp.breaker.state', Value: 2, Attributes: { vendor: 'twilio' } }])

    const [h] = await rows(`SELECT MetricName, MetricUnit, Count, Sum, BucketCounts, ExplicitBounds, Min, Max, AggregationTemporality, TimeUnix >= StartTimeUnix AND abs(dateDiff('second', TimeUnix, now64())) < 600 AS ordered FROM otel_metrics_histogram WHERE ServiceName = {s:String}`, { s: service })
    expect(h).toMatchObject({ MetricName: 'idp.verify.duration', MetricUnit: 's', Sum: 6.25, ExplicitBounds: [0.1, 1, 10], Min: 0.05, Max: 5, AggregationTemporality: 2, ordered: 1 })
    // UInt64 columns: numbers or strings depending on the transport's JSON settings.
    expect([Number(h.Count), ...h.BucketCounts.map(Number)]).toEqual([4, 1, 2, 1, 0])
  }, 60_000)

  it('refuses a corrupted metrics export with 400 and stores nothing', async () => {
    const body = ProtobufMetricsSerializer.serializeRequest(await measure('metrics-bad'))!
    const res = await fetch(`${base}/v1/metrics`, { method: 'POST', body: body.subarray(0, body.length - 7) as BodyInit, headers: { 'content-type': 'application/x-protobuf' } })
    expect(res.status).toBe(400)
    const [{ n }] = await rows(`SELECT count() AS n FROM merge(currentDatabase(), '^otel_metrics_') WHERE ServiceName = 'metrics-bad'`)
    expect(Number(n)).toBe(0)
  })

  it('takes metrics and events from a stock NodeSDK process configured only by OTEL_* variables', async () => {
    const service = `nodesdk-${process.pid}`
    const run = await runToExit('test/fixtures/otel-nodesdk-sender.ts', ['evt-nodesdk-1'], {
      OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp', OTEL_TRACES_EXPORTER: 'none',
    }, 120_000)
    expect(run.output).toContain('sent')
    expect(run.code).toBe(0)
    const [sum] = await rows(`SELECT MetricName, Value, Attributes, ResourceAttributes['service.name'] AS svc FROM otel_metrics_sum WHERE ServiceName = {s:String}`, { s: service })
    expect(sum).toEqual({ MetricName: 'sender.logins', Value: 7, Attributes: { 'mfa.factor': 'totp' }, svc: service })
    const [h] = await rows(`SELECT Sum FROM otel_metrics_histogram WHERE ServiceName = {s:String} AND MetricName = 'sender.verify.duration'`, { s: service })
    expect(h).toEqual({ Sum: 1.25 })
    // The event, named only in EventName and identified only by log.record.uid.
    expect(await rows(`SELECT event, event_id, flow_id FROM mfa_events WHERE service = {s:String}`, { s: service }))
      .toEqual([{ event: 'mfa.challenge.verified', event_id: 'evt-nodesdk-1', flow_id: 'flow-evt-nodesdk-1' }])
  }, 150_000)
})
