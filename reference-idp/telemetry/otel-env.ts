/**
 * The standard OpenTelemetry environment, as far as the IdP has to decide anything itself.
 * Everything else (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS,
 * _TIMEOUT, _COMPRESSION, _CERTIFICATE, the signal-specific endpoints, OTEL_BLRP_*, OTEL_BSP_*)
 * is read by the SDK's own resource detector and exporters, so it behaves as documented in the
 * OpenTelemetry specification. Pure: the environment is an argument.
 */

import { DEFAULT_BUFFER_POLICY, type BufferPolicy } from './outage-buffer'

export type OtlpProtocol = 'http/protobuf' | 'http/json'
export type OtlpSignal = 'logs' | 'traces'

const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json']

/** OTEL_EXPORTER_OTLP_{LOGS,TRACES}_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf. */
export function otlpProtocol(env: Record<string, string | undefined>, signal: OtlpSignal): OtlpProtocol {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`
  const name = env[specific]?.trim() ? specific : 'OTEL_EXPORTER_OTLP_PROTOCOL'
  const value = env[name]?.trim() || 'http/protobuf'
  if (!PROTOCOLS.includes(value)) {
    throw new Error(`${name}: got ${JSON.stringify(value.slice(0, 40))}, expected http/protobuf or http/json (the reference IdP exports OTLP over HTTP; grpc is not built in)`)
  }
  return value as OtlpProtocol
}

/**
 * The URL to hand an exporter, or undefined to let the exporter read the environment. A
 * signal-specific OTEL_EXPORTER_OTLP_{LOGS,TRACES}_ENDPOINT wins (the exporter takes it as is);
 * otherwise the base endpoint (the IdP's config, which defaults to OTEL_EXPORTER_OTLP_ENDPOINT)
 * gets `/v1/logs` or `/v1/traces` appended, as the specification says.
 */
export function otlpUrl(env: Record<string, string | undefined>, signal: OtlpSignal, base: string | undefined): string | undefined {
  if (env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]?.trim()) return undefined
  if (!base) return undefined
  return `${base.replace(/\/+$/, '')}/v1/${signal}`
}

/** OTEL_SDK_DISABLED=true turns telemetry off like IDP_TELEMETRY=off. */
export const sdkDisabled = (env: Record<string, string | undefined>): boolean => env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true'

/** An HTTP answer that marks a server span as error (OTel HTTP semantic conventions: 5xx only, 4xx is the client's). */
export const isServerError = (status: number): boolean => status >= 500 && status <= 599

/**
 * How the IdP keeps telemetry while the collector is away (outage-buffer.ts):
 * IDP_TELEMETRY_BUFFER records per signal (default 20000), IDP_TELEMETRY_RETRY_MAX_MS the
 * longest wait between retries (default 30000), IDP_TELEMETRY_SHUTDOWN_MS how long shutdown
 * waits for the buffer to drain (default 5000). A bad value throws naming the variable.
 */
export function bufferPolicy(env: Record<string, string | undefined>, defaults: BufferPolicy = DEFAULT_BUFFER_POLICY): BufferPolicy {
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name]?.trim()
    if (!raw) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: got ${JSON.stringify(raw.slice(0, 20))}, expected an integer from ${min} to ${max}`)
    return n
  }
  const maxBackoffMs = int('IDP_TELEMETRY_RETRY_MAX_MS', defaults.maxBackoffMs, 100, 600_000)
  return {
    ...defaults,
    capacity: int('IDP_TELEMETRY_BUFFER', defaults.capacity, 1, 10_000_000),
    maxBackoffMs,
    initialBackoffMs: Math.min(defaults.initialBackoffMs, maxBackoffMs),
    shutdownMs: int('IDP_TELEMETRY_SHUTDOWN_MS', defaults.shutdownMs, 0, 600_000),
  }
}
