import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'

/*
 * OTLP/HTTP response bodies, in the encoding of the request (OTLP spec: the server answers
 * with the Content-Type it received). Success is Export{Logs,Trace,Metrics}ServiceResponse,
 * failure is google.rpc.Status.
 */

export type Signal = 'logs' | 'traces' | 'metrics'
export type Encoding = 'json' | 'protobuf'

const REJECTED_KEY: Record<Signal, string> = { logs: 'rejectedLogRecords', traces: 'rejectedSpans', metrics: 'rejectedDataPoints' }

export const CONTENT_TYPE: Record<Encoding, string> = { json: 'application/json', protobuf: 'application/x-protobuf' }

/**
 * Export*ServiceResponse { partial_success = 1 { rejected_* = 1 (int64), error_message = 2 } }.
 * The field numbers are the same for logs, traces and metrics.
 */
export function exportResponse(signal: Signal, encoding: Encoding, rejected: number, message: string): Uint8Array | string {
  if (encoding === 'json') {
    return JSON.stringify(rejected || message ? { partialSuccess: { [REJECTED_KEY[signal]]: rejected, errorMessage: message } } : {})
  }
  if (!rejected && !message) return new Uint8Array(0)
  const w = new BinaryWriter().tag(1, WireType.LengthDelimited).fork()
  if (rejected) w.tag(1, WireType.Varint).int64(rejected)
  if (message) w.tag(2, WireType.LengthDelimited).string(message)
  return w.join().finish()
}

/** gRPC status codes for the HTTP statuses this receiver answers with. */
const GRPC_CODE: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  408: 4, // DEADLINE_EXCEEDED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  503: 14, // UNAVAILABLE
}

/** google.rpc.Status { code = 1 (int32), message = 2 }. */
export function statusBody(httpStatus: number, encoding: Encoding, message: string): Uint8Array | string {
  const code = GRPC_CODE[httpStatus] ?? 2 // UNKNOWN
  if (encoding === 'json') return JSON.stringify({ code, message })
  return new BinaryWriter().tag(1, WireType.Varint).int32(code).tag(2, WireType.LengthDelimited).string(message).finish()
}
