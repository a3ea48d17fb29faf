/** Every error the IdP shows a client: a stable machine-readable code and a human message. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_credentials: 401,
  invalid_code: 401,
  code_replayed: 401,
  unauthenticated: 401,
  forbidden: 403,
  stepup_required: 403,
  enrollment_required: 403,
  not_found: 404,
  flow_not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  already_active: 409,
  flow_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked_out: 423,
  rate_limited: 429,
  internal_error: 500,
  provider_unavailable: 502,
  overloaded: 503,
} as const
export type ErrorCode = keyof typeof ERROR_STATUS

export class MfaError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown>
  readonly retryAfterSeconds?: number

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, retryAfterSeconds?: number) {
    super(message)
    this.code = code
    this.details = details
    this.retryAfterSeconds = retryAfterSeconds
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }
}
