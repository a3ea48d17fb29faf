import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base'
import { describe, expect, it } from 'vitest'
import { bufferPolicy } from './otel-env'
import { backoffMs, isRetryable, OutageBuffer, type BufferPolicy, type DropReason } from './outage-buffer'

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
const POLICY: BufferPolicy = { capacity: 100, maxBatch: 3, initialBackoffMs: 5, maxBackoffMs: 20, shutdownMs: 300 }

/** A collector stand-in: `mode` decides each export's answer; `received` is what it accepted. */
function collector() {
  const c = {
    mode: 'down' as 'down' | 'up' | 'refuse' | 'throw' | 'hang',
    received: [] as number[],
    calls: 0,
    export(items: number[], done: (r: ExportResult) => void) {
      c.calls++
      if (c.mode === 'throw') throw new Error('exporter bug')
      if (c.mode === 'hang') return
      if (c.mode === 'down') return void setImmediate(() => done({ code: ExportResultCode.FAILED, error: refused }))
      if (c.mode === 'refuse') return void setImmediate(() => done({ code: ExportResultCode.FAILED, error: new OTLPExporterError('Bad Request', 400) }))
      c.received.push(...items)
      setImmediate(() => done({ code: ExportResultCode.SUCCESS }))
    },
    shutdown: async () => {},
  }
  return c
}

function setup(policy: BufferPolicy = POLICY) {
  const inner = collector()
  const dropped: Record<string, number> = {}
  const lines: string[] = []
  let failures = 0
  const buffer = new OutageBuffer<number>(inner, 'logs', policy, {
    dropped: (_s, n, reason: DropReason) => void (dropped[reason] = (dropped[reason] ?? 0) + n),
    failed: () => void failures++,
    buffered: () => {},
    log: (l) => void lines.push(l),
  }, () => 0.5)
  const accepted: ExportResult[] = []
  const send = (items: number[]) => buffer.export(items, (r) => accepted.push(r))
  return { inner, buffer, dropped, lines, failures: () => failures, accepted, send }
}

const waitFor = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5))
  if (!ok()) throw new Error(`never happened: ${what}`)
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i)

describe('backoff and retry decisions', () => {
  it.each([
    [1, 0.5, 1000], [2, 0.5, 2000], [3, 0.5, 4000], [5, 0.5, 16_000], [6, 0.5, 30_000], [40, 0.5, 30_000],
    [1, 0, 800], [1, 0.999, 1200],
  ])('attempt %i with random %f waits %i ms', (attempt, random, want) => {
    expect(backoffMs(attempt, { initialBackoffMs: 1000, maxBackoffMs: 30_000 }, random)).toBe(Math.round(want))
  })
  it.each([
    [refused, true],
    [new Error('Request timed out'), true],
    [new OTLPExporterError('Service Unavailable', 503), true],
    [new OTLPExporterError('Too Many Requests', 429), true],
    [new OTLPExporterError('Request Timeout', 408), true],
    [new OTLPExporterError('Bad Request', 400), false],
    [new OTLPExporterError('Unauthorized', 401), false],
    [new OTLPExporterError('Payload Too Large', 413), false],
    [new Error('Nothing to send'), false],
  ])('%s is retryable: %s', (error, want) => {
    expect(isRetryable(error)).toBe(want)
  })
  it('reads its bounds from IDP_TELEMETRY_* and names a bad one', () => {
    expect(bufferPolicy({ IDP_TELEMETRY_BUFFER: '50', IDP_TELEMETRY_SHUTDOWN_MS: '0', IDP_TELEMETRY_RETRY_MAX_MS: '500' })).toMatchObject({ capacity: 50, shutdownMs: 0, maxBackoffMs: 500, initialBackoffMs: 500 })
    expect(() => bufferPolicy({ IDP_TELEMETRY_BUFFER: '-3' })).toThrow(/^IDP_TELEMETRY_BUFFER: got "-3", expected an integer/)
  })
})

describe('OutageBuffer', () => {
  it('keeps what was sent while the collector was away and delivers it, in order, once it is back', async () => {
    const s = setup()
    s.send(range(0, 5))
    s.send(range(5, 10))
    await waitFor('a few failed attempts', () => s.failures() >= 3)
    expect(s.accepted.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true)
    expect(s.buffer.pending).toBe(10)
    expect(s.lines.filter((l) => l.includes('cannot export logs (ECONNREFUSED'))).toHaveLength(1)
    s.inner.mode = 'up'
    s.send([10])
    await waitFor('everything delivered', () => s.buffer.pending === 0)
    expect(s.inner.received).toEqual(range(0, 11))
    expect(s.dropped).toEqual({})
    expect(s.lines.some((l) => l.includes('collector reachable again'))).toBe(true)
  })

  it('holds at most its capacity: the oldest go first, counted as buffer_full', async () => {
    const s = setup({ ...POLICY, capacity: 5 })
    s.send(range(0, 4))
    await waitFor('a failed attempt', () => s.failures() >= 1)
    s.send(range(4, 12))
    expect(s.buffer.pending).toBe(5)
    expect(s.dropped).toEqual({ buffer_full: 7 })
    expect(s.lines.filter((l) => l.includes('buffer full'))).toHaveLength(1)
    s.inner.mode = 'up'
    await waitFor('delivered', () => s.buffer.pending === 0)
    expect(s.inner.received).toEqual(range(7, 12))
  })

  it('does not retry data the collector refuses (a 4xx): dropped as refused, the next batch goes on', async () => {
    const s = setup()
    s.inner.mode = 'refuse'
    s.send([1, 2])
    await waitFor('refused', () => (s.dropped.refused ?? 0) === 2)
    expect(s.inner.calls).toBe(1)
    s.inner.mode = 'up'
    s.send([3])
    await waitFor('delivered', () => s.inner.received.length === 1)
    expect(s.inner.received).toEqual([3])
  })

  it('an exporter that throws is an outage, not a crash', async () => {
    const s = setup()
    s.inner.mode = 'throw'
    expect(() => s.send([1])).not.toThrow()
    await waitFor('retried', () => s.inner.calls >= 2)
    s.inner.mode = 'up'
    await waitFor('delivered', () => s.buffer.pending === 0)
    expect(s.inner.received).toEqual([1])
  })

  it('shutdown with a collector that never answers resolves within its bound and counts what was left', async () => {
    const s = setup()
    s.inner.mode = 'hang'
    s.send(range(0, 7))
    await expect(s.buffer.shutdown()).resolves.toBeUndefined()
    expect(s.dropped).toEqual({ shutdown: 7 })
    expect(s.lines.some((l) => l.includes('shutting down with 7 logs records'))).toBe(true)
    s.send([8])
    expect(s.dropped).toEqual({ shutdown: 8 })
  })
})
