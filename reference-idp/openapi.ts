import { z } from 'zod'
import { ERROR_STATUS } from './errors'
import type { RouteSpec } from './http/types'

/** Throws when a mounted JSON route has no docs in its route table (start-up refuses to run). */
export function assertDocumented(routes: readonly RouteSpec[]): void {
  // Vendor webhooks are the vendors' contract, not ours: documented in the adapters.
  const missing = routes.filter((r) => r.kind === 'api' && !r.path.startsWith('/webhooks/') && !r.docs).map((r) => `${r.method} ${r.path}`)
  if (missing.length) throw new Error(`API routes without an OpenAPI description: ${missing.join(', ')}`)
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_STATUS), description: 'Stable machine-readable error code' },
    message: { type: 'string', description: 'What was wrong, for people' },
  },
  additionalProperties: true,
}

/**
 * The OpenAPI 3.1 document of the JSON API, from the route tables (every documented route,
 * mounted or not: push routes are described even where this IdP runs without push).
 */
export function openApiDocument(specs: readonly RouteSpec[], serverUrl: string, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { method, path, body, docs: op } of specs) {
    if (!op) continue
    const key = `${method} ${path}`
    const errors = [...new Set([...op.errors, 'overloaded' as const])]
    const responses: Record<string, unknown> = { [op.ok[0]]: { description: op.ok[1], content: { 'application/json': { schema: { type: 'object' } } } } }
    for (const code of errors) {
      const status = String(ERROR_STATUS[code])
      const prev = responses[status] as { description: string } | undefined
      responses[status] = { description: prev ? `${prev.description}, ${code}` : code, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
    }
    ;(paths[path] ??= {})[method.toLowerCase()] = {
      summary: op.summary,
      operationId: key.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, ''),
      ...(op.session ? { security: [{ session: [] }] } : {}),
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'FactorWatch reference IdP', version, description: 'JSON API of the reference MFA service. Every error body is `{code, message}`; 429 and 503 carry Retry-After.' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: '__Host-fw_session', description: 'fw_session without the prefix (and not Secure) when the IdP is served over plain http to a host other than localhost' } },
    },
  }
}
