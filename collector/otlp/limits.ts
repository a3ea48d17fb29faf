/**
 * The receiver's limits, with their defaults: one place for server.ts, the sanitize pass and
 * collector/config.ts (which reads each from an `OTLP_MAX_*` / `OTLP_*_TIMEOUT_MS` variable).
 */
export interface OtlpLimits {
  /** Deepest AnyValue nesting (OTLP_MAX_DEPTH); deeper → 400. */
  maxDepth: number
  /** Attributes kept per attribute set (OTLP_MAX_ATTRIBUTES); the OTel SDKs' default count limit is 128. */
  maxAttributes: number
  /** UTF-8 bytes kept of a string attribute value (OTLP_MAX_ATTRIBUTE_VALUE_BYTES). */
  maxAttributeValueBytes: number
  /** Retention in days (MFA_EVENTS_TTL_DAYS): older records are refused. No check when absent. */
  ttlDays?: number
  /** Time to receive a request's headers (OTLP_HEADERS_TIMEOUT_MS): Node's server.headersTimeout. */
  headersTimeoutMs: number
  /** Time to receive a whole request, headers and body (OTLP_REQUEST_TIMEOUT_MS) → 408. */
  requestTimeoutMs: number
  /** Longest pause inside a body (OTLP_BODY_IDLE_TIMEOUT_MS) → 408. */
  bodyIdleTimeoutMs: number
  /** Bodies being received at once (OTLP_MAX_READING); beyond it 503. Reading holds no in-flight slot. */
  maxReading: number
}

export const DEFAULT_OTLP_LIMITS: Readonly<Omit<OtlpLimits, 'ttlDays'>> = {
  maxDepth: 32,
  maxAttributes: 128,
  maxAttributeValueBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyIdleTimeoutMs: 10_000,
  maxReading: 256,
}
