import { Client, Factor, UserGroup } from '../../contract/enums'
import { FILTER_KEYS, type FilterKey } from '../../contract/query'
import type { Parsed } from './time-range'

/** Filters the collector's metrics endpoint accepts (the query API's filter keys); the Overview UI offers factor and user_group. */
export type Filters = Partial<Record<FilterKey, string>>

export const FACTOR_OPTIONS = Factor.options
export const USER_GROUP_OPTIONS = UserGroup.options

/** Vendor ids and regions: what the collector accepts as a label. */
export const FREE_TEXT = /^[A-Za-z0-9_.:-]{1,64}$/
const CLOSED: Partial<Record<FilterKey, readonly string[]>> = {
  factor: Factor.options,
  user_group: UserGroup.options,
  client: Client.options,
}

type Params = { get(name: string): string | null }

/** Read filters from query parameters; an empty value means "all". */
export function parseFilters(params: Params): Parsed<Filters> {
  const out: Filters = {}
  for (const key of FILTER_KEYS) {
    const v = params.get(key)
    if (v === null || v === '') continue
    const allowed = CLOSED[key]
    if (allowed && !allowed.includes(v)) {
      return { ok: false, error: { parameter: key, message: `invalid ${key}: got "${v}", expected one of ${allowed.join(', ')}` } }
    }
    if (!allowed && !FREE_TEXT.test(v)) {
      return { ok: false, error: { parameter: key, message: `invalid ${key}: got "${v.slice(0, 80)}", expected 1-64 letters, digits, "_", ".", ":" or "-"` } }
    }
    out[key] = v
  }
  return { ok: true, value: out }
}
