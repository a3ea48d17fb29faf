import { describe, expect, it } from 'vitest'
import { loadCollectorConfig, otlpServerLimits } from '../config'
import { defaultDecodeWorkers } from './decode-pool'
import { DEFAULT_OTLP_LIMITS } from './limits'

/** The receiver's limits as configured: defaults, the OTLP_* variables, and one clear line naming a bad one. */
describe('OTLP limits in the collector configuration', () => {
  it('defaults to DEFAULT_OTLP_LIMITS, with the retention from MFA_EVENTS_TTL_DAYS', () => {
    expect(otlpServerLimits(loadCollectorConfig({}))).toEqual({
      maxInFlight: 16, maxInFlightBytes: undefined, decodeWorkers: defaultDecodeWorkers(), limits: { ...DEFAULT_OTLP_LIMITS, ttlDays: 400 },
    })
  })

  it('reads each OTLP_* variable', () => {
    const c = loadCollectorConfig({
      OTLP_MAX_DEPTH: '8', OTLP_MAX_ATTRIBUTES: '64', OTLP_MAX_ATTRIBUTE_VALUE_BYTES: '4096', OTLP_MAX_IN_FLIGHT: '4', OTLP_MAX_IN_FLIGHT_BYTES: '1000000',
      OTLP_MAX_READING: '32', OTLP_DECODE_WORKERS: '3', OTLP_HEADERS_TIMEOUT_MS: '2000', OTLP_REQUEST_TIMEOUT_MS: '9000', OTLP_BODY_IDLE_TIMEOUT_MS: '3000', MFA_EVENTS_TTL_DAYS: '30',
      HEALTH_DISK_DEGRADED_FREE_BYTES: '5000', HEALTH_DISK_FAILING_FREE_BYTES: '100',
    })
    expect(otlpServerLimits(c)).toEqual({
      maxInFlight: 4, maxInFlightBytes: 1_000_000, decodeWorkers: 3,
      limits: { maxDepth: 8, maxAttributes: 64, maxAttributeValueBytes: 4096, ttlDays: 30, headersTimeoutMs: 2000, requestTimeoutMs: 9000, bodyIdleTimeoutMs: 3000, maxReading: 32 },
    })
    expect([c.healthDiskDegradedFreeBytes, c.healthDiskFailingFreeBytes]).toEqual([5000, 100])
  })

  it('decodes on one worker per core beyond the first, from 1 to 4', () => {
    expect([1, 2, 3, 8].map((cores) => defaultDecodeWorkers(cores))).toEqual([1, 1, 2, 4])
  })

  it.each([
    [{ OTLP_MAX_DEPTH: 'deep' }, /^invalid configuration OTLP_MAX_DEPTH: /],
    [{ OTLP_MAX_DEPTH: '0' }, /^invalid configuration OTLP_MAX_DEPTH: .*>=1/],
    [{ OTLP_MAX_DEPTH: '100000' }, /^invalid configuration OTLP_MAX_DEPTH: .*<=1000/],
    [{ OTLP_MAX_ATTRIBUTES: '-1' }, /^invalid configuration OTLP_MAX_ATTRIBUTES: /],
    [{ OTLP_MAX_ATTRIBUTE_VALUE_BYTES: '1.5' }, /^invalid configuration OTLP_MAX_ATTRIBUTE_VALUE_BYTES: /],
    [{ OTLP_MAX_READING: '0' }, /^invalid configuration OTLP_MAX_READING: /],
    [{ OTLP_DECODE_WORKERS: '-1' }, /^invalid configuration OTLP_DECODE_WORKERS: /],
    [{ OTLP_DECODE_WORKERS: 'two' }, /^invalid configuration OTLP_DECODE_WORKERS: /],
    [{ OTLP_BODY_IDLE_TIMEOUT_MS: '5' }, /^invalid configuration OTLP_BODY_IDLE_TIMEOUT_MS: /],
    [{ OTLP_HEADERS_TIMEOUT_MS: '60000', OTLP_REQUEST_TIMEOUT_MS: '1000' }, /^invalid configuration OTLP_HEADERS_TIMEOUT_MS: 60000 ms is longer than OTLP_REQUEST_TIMEOUT_MS \(1000 ms\)$/],
    [{ HEALTH_DISK_FAILING_FREE_BYTES: '10', HEALTH_DISK_DEGRADED_FREE_BYTES: '5' }, /^invalid configuration HEALTH_DISK_FAILING_FREE_BYTES: 10 is above HEALTH_DISK_DEGRADED_FREE_BYTES \(5\)$/],
  ])('%o is refused in one line naming the variable', (env, message) => {
    let err: Error | undefined
    try { loadCollectorConfig(env) } catch (e) { err = e as Error }
    expect(err?.message).toMatch(message)
    expect(err?.message).not.toContain('\n')
  })
})
