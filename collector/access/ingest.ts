import type { IncomingMessage } from 'node:http'
import { DEFAULT_TENANT, TENANT_ATTRIBUTE } from '../../contract/access'
import { HttpError } from '../otlp/body'
import { TokenTable, bearerToken } from './tokens'

/** What the OTLP receiver asks before reading a body: the tenant its records get, or a refusal. */
export type AuthorizeIngest = (req: IncomingMessage) => { tenant: string } | HttpError

/**
 * Producer tokens of COLLECTOR_INGEST_TOKENS (`tenant:token`): with any configured, an export
 * needs `Authorization: Bearer <token>` (401 otherwise) and its records get the token's tenant;
 * without, every export is accepted as DEFAULT_TENANT. The payload never chooses its tenant.
 */
export function ingestAuthorizer(tokens: ReadonlyMap<string, string>): AuthorizeIngest {
  const table = new TokenTable(tokens)
  if (table.size === 0) return () => ({ tenant: DEFAULT_TENANT })
  return (req) => {
    const b = bearerToken(req.headers.authorization)
    const tenant = b.kind === 'token' ? table.lookup(b.token) : undefined
    if (tenant !== undefined) return { tenant }
    const message = b.kind === 'none' ? 'a producer token is required (Authorization: Bearer <token>; OTEL_EXPORTER_OTLP_HEADERS)' : 'unknown producer token'
    return new HttpError(401, message, { 'www-authenticate': `Bearer realm="factorwatch-ingest"${b.kind === 'none' ? '' : ', error="invalid_token"'}` })
  }
}

/** Stamp the tenant on every resource (overwriting what the payload said): the one place records get it. */
export function stampTenant<B extends { resource: Record<string, unknown> }>(blocks: B[], tenant: string): B[] {
  for (const b of blocks) b.resource[TENANT_ATTRIBUTE] = tenant
  return blocks
}
