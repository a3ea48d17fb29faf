import { isTransport, type ApiResult, type IdpApi } from './client'
import type { AttackStats, RequestStats } from './summary'
import type { SimUser } from './users'

/** What every attack shares. */

export interface AttackDeps {
  /** The IdP's API (an IdpClient; tests script its answers). */
  client: IdpApi
  stats: { attacks: AttackStats; requests: RequestStats }
  /** Seeded source of made-up e-mails, passwords and codes. */
  rand: () => number
  sleep: (ms: number) => Promise<void>
  now: () => number
  /** The OS of `victim`'s phone wakes its app: a push may be on its way (push bombing). */
  wake?: (victim: SimUser) => void
}

/** An answer no attack expects: transport errors and 5xx are counted by the client already. */
export function surprise(d: AttackDeps, r: ApiResult): void {
  if (!isTransport(r) && r.status < 500) d.stats.requests.unexpected++
}

/** The flow a 200 password step opened, or null. */
export const flowOf = (r: ApiResult): string | null => (!isTransport(r) && r.status === 200 && typeof r.body.flow_id === 'string' ? r.body.flow_id : null)

