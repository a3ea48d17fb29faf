import { z } from 'zod'
import { ErrorBody } from '../../contract/query'
import { MAX_BUCKETS, MAX_RANGE_S, MIN_STEP_S } from '../../contract/time-window'

/**
 * OpenAPI 3.1 document of the query API (`GET /openapi.json` on :4320), generated from the routes
 * the server mounts: each route's `docs` names its query parameters (the same zod shapes the
 * handlers parse with), its request body and its responses (the contract's zod schemas), so the
 * document cannot drift from what the server accepts and answers. JSON Schema comes from zod's
 * `z.toJSONSchema` (draft 2020-12, which OpenAPI 3.1 uses): parameters as the client sends them
 * (`io: 'input'`), responses as the server writes them (`io: 'output'`).
 */

/** What the document says about one route. */
export interface RouteDocs {
  summary: string
  /** Query parameters: the zod shape the handler parses the query string with. */
  params?: z.ZodRawShape
  /** Parameters the shape has as optional but the handler refuses to go without. */
  required?: readonly string[]
  /** Descriptions of parameters that mean something else here than in PARAM_TEXT. */
  describe?: Readonly<Record<string, string>>
  /** JSON request body. */
  body?: z.ZodType
  /** Status → [description, schema of the JSON body, media types when not JSON (each gets the schema of one record)]. */
  responses: Readonly<Record<number, readonly [string, z.ZodType] | readonly [string, z.ZodType, readonly string[]]>>
}

/** `permission`: what a caller's role needs (contract/access.ts); `public` needs no token. */
export interface DocumentedRoute { method: string; path: string; docs?: RouteDocs; permission?: string }

/** The bearer scheme of COLLECTOR_API_TOKENS (collector/access). */
const BEARER = {
  type: 'http',
  scheme: 'bearer',
  description: 'A token of COLLECTOR_API_TOKENS (role:token). Without it: 401; with a role that lacks the route\'s `x-factorwatch-permission`: 403. '
    + 'A console token acts with the role and user hash it forwards in x-factorwatch-role and x-factorwatch-actor. Not required while no tokens are configured (loopback use).',
}

/** Descriptions of the parameters shared across routes, by name. */
const PARAM_TEXT: Record<string, string> = {
  from: `Window start, ISO 8601 with a zone; before \`to\`; the window is at most ${MAX_RANGE_S / 86400} days. Default: one hour before \`to\`.`,
  to: 'Window end, ISO 8601 with a zone. Default: now (or the end of the default window after `from`).',
  step: `Bucket length in seconds, at least ${MIN_STEP_S}, at most ${MAX_BUCKETS} buckets per window. Default: the round step giving about 120 buckets (contract/time-window.ts).`,
  factor: 'Only this factor.',
  provider: 'Only this vendor (provider id).',
  region: 'Only this region.',
  user_group: 'Only this user group.',
  client: 'Only this client kind.',
  ids: 'Comma-separated metric ids (M1–M10, any case). Default: M1,M2.',
  event: 'Only this contract event name.',
  outcome: 'Only this outcome.',
  flow_id: 'The `mfa.flow_id` of one sign-in.',
  limit: 'Most rows to return.',
  channel: 'Only this delivery channel.',
  reason: 'Only this failure reason.',
  risk_level: 'Only this risk level.',
  country: 'Only this country (ISO 3166-1 alpha-2).',
  attempt: 'Only this attempt number within the flow.',
}

const ERROR_NAME = 'Error'

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

const pascal = (path: string) => path.replace(/^\/api\/v1\//, '/').split(/[^A-Za-z0-9]+/).filter(Boolean).map((s) => s[0].toUpperCase() + s.slice(1)).join('')

function queryParameters(docs: RouteDocs): Record<string, unknown>[] {
  return Object.entries(docs.params ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: docs.required?.includes(name) ?? false,
    ...((docs.describe?.[name] ?? PARAM_TEXT[name]) ? { description: docs.describe?.[name] ?? PARAM_TEXT[name] } : {}),
    schema: jsonSchema(schema as z.ZodType, 'input'),
  }))
}

/** `{name}` segments of a path as required path parameters. */
function pathParameters(path: string, docs: RouteDocs): Record<string, unknown>[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, ...(docs.describe?.[m[1]] ? { description: docs.describe[m[1]] } : {}), schema: { type: 'string' } }))
}

/** The document for these routes; routes without `docs` are left out. */
export function queryOpenApiDocument(routes: readonly DocumentedRoute[], version: string): Record<string, unknown> {
  const schemas: Record<string, unknown> = { [ERROR_NAME]: jsonSchema(ErrorBody, 'output') }
  const names = new Map<z.ZodType, string>([[ErrorBody, ERROR_NAME]])
  const ref = (schema: z.ZodType, name: string) => {
    let n = names.get(schema)
    if (!n) {
      n = name
      for (let i = 2; n in schemas; i++) n = `${name}${i}`
      names.set(schema, n)
      schemas[n] = jsonSchema(schema, 'output')
    }
    return { $ref: `#/components/schemas/${n}` }
  }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { method, path, docs, permission } of routes) {
    if (!docs) continue
    const responses: Record<string, unknown> = {}
    const refusals: RouteDocs['responses'] = permission === undefined || permission === 'public' ? {} : {
      401: ['unauthorized: no or an unknown bearer token (tokens configured); WWW-Authenticate: Bearer', ErrorBody],
      403: [`forbidden: the token's role lacks ${permission}`, ErrorBody],
    }
    for (const [status, [description, schema, media]] of Object.entries({ ...refusals, ...docs.responses })) {
      const name = `${pascal(path)}${method === 'GET' ? '' : method[0] + method.slice(1).toLowerCase()}${Number(status) < 300 ? 'Response' : `Response${status}`}`
      responses[status] = { description, content: Object.fromEntries((media ?? ['application/json']).map((t) => [t, { schema: ref(schema, name) }])) }
    }
    const params = [...pathParameters(path, docs), ...queryParameters(docs)]
    ;(paths[path] ??= {})[method.toLowerCase()] = {
      summary: docs.summary,
      ...(permission === undefined ? {} : { security: permission === 'public' ? [] : [{ bearer: [] }], 'x-factorwatch-permission': permission }),
      operationId: `${method} ${path}`.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, ''),
      ...(params.length ? { parameters: params } : {}),
      ...(docs.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(docs.body, 'input') } } } } : {}),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FactorWatch query API',
      version,
      description: 'Read API of the collector: MFA metrics M1–M10, outcomes, events, sub-processor health, security and explore reports, SLOs and alerts. '
        + 'Series points are `[bucketStartMs, …]` with buckets aligned to the epoch; ratios are 0..1 (null without a denominator); latencies are milliseconds. '
        + 'Unknown or repeated query parameters are refused; every error body is `{error: {code, message, parameter?}}`.',
    },
    paths,
    components: { schemas, securitySchemes: { bearer: BEARER } },
  }
}

/** The standard error responses of a read route: 400 when it takes parameters, 500/504 from storage. */
export function errorResponses(opts: { params: boolean; storage: boolean }): Record<number, readonly [string, z.ZodType]> {
  const out: Record<number, readonly [string, z.ZodType]> = {}
  if (opts.params) out[400] = ['invalid_parameter: a query parameter is unknown, repeated or invalid; `parameter` names it', ErrorBody]
  if (opts.storage) {
    out[500] = ['storage_error: ClickHouse failed the query', ErrorBody]
    out[504] = ['query_timeout: ClickHouse did not answer in time', ErrorBody]
  }
  return out
}
