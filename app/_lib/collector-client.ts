import type { z } from 'zod'
import { ErrorBody } from '../../contract/query'

/**
 * Server-side reads from the collector query API. `fetch` and the base URL are passed in so
 * tests stub them; every failure becomes a `ConsoleError` with the HTTP status the console
 * answers with (502 for a broken or refusing collector, 504 for a slow one).
 */

export type ConsoleErrorCode =
  | 'invalid_parameter'
  | 'collector_unreachable'
  | 'collector_timeout'
  | 'collector_rejected'
  | 'collector_error'
  | 'collector_bad_response'
  | 'not_found'
  | 'conflict'
  | 'collector_busy'
  | 'registry_invalid'

const STATUS: Record<ConsoleErrorCode, number> = {
  invalid_parameter: 400,
  collector_unreachable: 502,
  collector_timeout: 504,
  collector_rejected: 502,
  collector_error: 502,
  collector_bad_response: 502,
  not_found: 404,
  conflict: 409,
  collector_busy: 503,
  registry_invalid: 500,
}

export class ConsoleError extends Error {
  readonly status: number
  /** The collector's HTTP status when it answered with an error (e.g. 404 from an older collector without the endpoint). */
  upstreamStatus?: number
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    readonly parameter?: string,
  ) {
    super(message)
    this.status = STATUS[code]
  }
  toBody() {
    return { error: { code: this.code, message: this.message, ...(this.parameter ? { parameter: this.parameter } : {}) } }
  }
}

export interface CollectorDeps {
  baseUrl: string
  fetch?: typeof fetch
  timeoutMs?: number
  /** Sent with every call: the console's bearer token and who it acts for (ACTOR_HEADERS; see auth/guard.ts). */
  headers?: Record<string, string>
}

export const DEFAULT_TIMEOUT_MS = 8000

function causeOf(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string }
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)
}

/** GET `path` with `params` from the collector and parse the JSON body with `schema`. */
export function getFromCollector<S extends z.ZodType>(
  deps: CollectorDeps,
  path: string,
  params: Record<string, string | undefined>,
  schema: S,
): Promise<z.infer<S>> {
  return callCollector(deps, 'GET', path, params, schema)
}

/** POST/DELETE (silences) or GET; `body` is sent as JSON. The answer is parsed with `schema`. */
export async function callCollector<S extends z.ZodType>(
  deps: CollectorDeps,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  params: Record<string, string | undefined>,
  schema: S,
  body?: unknown,
): Promise<z.infer<S>> {
  const text = await request(deps, method, path, params, 'application/json', body)
  let answer: unknown
  try {
    answer = JSON.parse(text)
  } catch {
    throw new ConsoleError('collector_bad_response', `collector answered ${path} with something other than JSON: "${text.slice(0, 80)}"`)
  }
  const parsed = schema.safeParse(answer)
  if (!parsed.success) {
    throw new ConsoleError('collector_bad_response', `collector response from ${path} does not match the expected shape: ${describeIssues(parsed.error)}`)
  }
  return parsed.data
}

/** GET a text answer (a Markdown report) as the collector wrote it; errors as for JSON reads. */
export function getTextFromCollector(deps: CollectorDeps, path: string, accept: string): Promise<string> {
  return request(deps, 'GET', path, {}, accept)
}

async function request(deps: CollectorDeps, method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string | undefined>, accept: string, body?: unknown): Promise<string> {
  const url = new URL(path, deps.baseUrl)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const doFetch = deps.fetch ?? fetch
  const headers: Record<string, string> = { ...deps.headers, accept }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await doFetch(url, { method, signal: AbortSignal.timeout(timeoutMs), headers, cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
  } catch (err) {
    const name = (err as Error)?.name
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new ConsoleError('collector_timeout', `collector at ${deps.baseUrl} did not answer ${path} within ${timeoutMs / 1000} s`)
    }
    throw new ConsoleError('collector_unreachable', `collector unreachable at ${deps.baseUrl} (${causeOf(err)})`)
  }
  const text = await res.text().catch(() => '')
  if (!res.ok) {
    let answer: unknown
    try {
      answer = JSON.parse(text)
    } catch {
      answer = undefined
    }
    const err = refusal(res.status, method, path, answer, text || res.statusText)
    err.upstreamStatus = res.status
    throw err
  }
  return text
}

/** The collector's error answer as the console's error. */
function refusal(status: number, method: string, path: string, answer: unknown, text: string): ConsoleError {
  const parsed = ErrorBody.safeParse(answer)
  const detail = parsed.success ? parsed.data.error.message : text.slice(0, 200)
  const param = parsed.success ? parsed.data.error.parameter : undefined
  if (method !== 'GET') {
    // A write's body comes from the console's user: the collector refusing it is their 4xx, not a broken collector.
    if (status === 404) return new ConsoleError('not_found', `collector: ${detail}`)
    if (status === 400) return new ConsoleError('invalid_parameter', `collector refused it: ${detail}`, param)
    // A state conflict (a drill already running) or a refusal for now (guardrails cannot read) is the user's to see as such.
    if (status === 409) return new ConsoleError('conflict', `collector: ${detail}`)
    if (status === 503) return new ConsoleError('collector_busy', `collector: ${detail}`)
  }
  if (status >= 400 && status < 500) return new ConsoleError('collector_rejected', `collector rejected ${path} (HTTP ${status}${param ? `, parameter ${param}` : ''}): ${detail}`, param)
  return new ConsoleError('collector_error', `collector failed on ${path} (HTTP ${status}): ${detail}`)
}

/** "M1.series[3][1]: expected number, received string" for the first few issues. */
export function describeIssues(err: z.ZodError, max = 3): string {
  const parts = err.issues.slice(0, max).map((i) => {
    const path = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '')
    return `${path || '(root)'}: ${i.message}`
  })
  const more = err.issues.length > max ? ` (+${err.issues.length - max} more)` : ''
  return parts.join('; ') + more
}

/**
 * The JSON body of a console write. JSON only: a cross-site form post cannot send it without a
 * preflight the console never allows, so no page elsewhere can make the console write.
 */
export async function jsonBody(req: Request): Promise<unknown> {
  const type = req.headers.get('content-type') ?? ''
  if (!type.startsWith('application/json')) throw new ConsoleError('invalid_parameter', `expected a JSON body (content-type application/json), got "${type || 'none'}"`, 'content-type')
  return req.json().catch(() => {
    throw new ConsoleError('invalid_parameter', 'the body is not valid JSON', 'body')
  })
}

/** Map anything thrown in a route handler to a JSON response; unknown errors hide details. */
export function errorResponse(err: unknown): Response {
  if (err instanceof ConsoleError) return Response.json(err.toBody(), { status: err.status, headers: { 'cache-control': 'no-store' } })
  console.error('console route handler failed', err)
  return Response.json({ error: { code: 'internal', message: 'the console failed to handle this request; see its log' } }, { status: 500 })
}
