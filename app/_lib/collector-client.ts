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
  | 'registry_invalid'

const STATUS: Record<ConsoleErrorCode, number> = {
  invalid_parameter: 400,
  collector_unreachable: 502,
  collector_timeout: 504,
  collector_rejected: 502,
  collector_error: 502,
  collector_bad_response: 502,
  not_found: 404,
  registry_invalid: 500,
}

export class ConsoleError extends Error {
  readonly status: number
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
  const url = new URL(path, deps.baseUrl)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const doFetch = deps.fetch ?? fetch
  const headers: Record<string, string> = { accept: 'application/json' }
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
  let answer: unknown
  const text = await res.text().catch(() => '')
  try {
    answer = JSON.parse(text)
  } catch {
    answer = undefined
  }
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(answer)
    const detail = parsed.success ? parsed.data.error.message : text.slice(0, 200) || res.statusText
    // A write's body comes from the console's user: the collector refusing it is their 4xx, not a broken collector.
    if (res.status === 404 && method !== 'GET') throw new ConsoleError('not_found', `collector: ${detail}`)
    if (res.status === 400 && method !== 'GET') throw new ConsoleError('invalid_parameter', `collector refused it: ${detail}`, parsed.success ? parsed.data.error.parameter : undefined)
    if (res.status >= 400 && res.status < 500) {
      const param = parsed.success ? parsed.data.error.parameter : undefined
      throw new ConsoleError('collector_rejected', `collector rejected ${path} (HTTP ${res.status}${param ? `, parameter ${param}` : ''}): ${detail}`, param)
    }
    throw new ConsoleError('collector_error', `collector failed on ${path} (HTTP ${res.status}): ${detail}`)
  }
  if (answer === undefined) {
    throw new ConsoleError('collector_bad_response', `collector answered ${path} with something other than JSON: "${text.slice(0, 80)}"`)
  }
  const parsed = schema.safeParse(answer)
  if (!parsed.success) {
    throw new ConsoleError('collector_bad_response', `collector response from ${path} does not match the expected shape: ${describeIssues(parsed.error)}`)
  }
  return parsed.data
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

/** Map anything thrown in a route handler to a JSON response; unknown errors hide details. */
export function errorResponse(err: unknown): Response {
  if (err instanceof ConsoleError) return Response.json(err.toBody(), { status: err.status, headers: { 'cache-control': 'no-store' } })
  console.error('console route handler failed', err)
  return Response.json({ error: { code: 'internal', message: 'the console failed to handle this request; see its log' } }, { status: 500 })
}
