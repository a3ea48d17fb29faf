import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { DEFAULT_ROLES_CLAIM, ROLES, Role, strongestRole } from '../../../contract/access'

/**
 * Which FactorWatch role a signed-in user holds, from their ID token: the roles claim
 * (FACTORWATCH_ROLES_CLAIM, a string or an array of strings) whose values are role names, plus
 * an optional mapping file (FACTORWATCH_ROLE_MAP) that turns other claim values — Okta or Entra
 * groups, Keycloak roles — and named subjects into roles. Several roles: the strongest wins.
 */

const ROLE_NAMES = ROLES.join(', ')
const RoleName = z.string().refine((r) => (ROLES as readonly string[]).includes(r), { message: `expected one of ${ROLE_NAMES}` })

export const RoleMapFile = z
  .object({
    /** More claims to read values from (e.g. `groups`, `roles`), besides FACTORWATCH_ROLES_CLAIM. */
    claims: z.array(z.string().regex(/^[\w.:/-]{1,100}$/, 'expected a claim name')).default([]),
    /** A claim value (group name, group id, app role) → role. */
    values: z.record(z.string().min(1), RoleName).default({}),
    /** The provider's `sub` → role, for a few named people. */
    subjects: z.record(z.string().min(1), RoleName).default({}),
  })
  .strict()
export type RoleMap = { claims: string[]; values: Record<string, Role>; subjects: Record<string, Role> }

export const EMPTY_ROLE_MAP: RoleMap = { claims: [], values: {}, subjects: {} }

/** Parse a mapping file's text; throws an Error naming the file, the key and what is expected. */
export function parseRoleMap(text: string, file: string): RoleMap {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new Error(`FACTORWATCH_ROLE_MAP ${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`)
  }
  if (doc === null || doc === undefined) doc = {}
  const parsed = RoleMapFile.safeParse(doc)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    const where = i.path.length ? i.path.map(String).join('.') : '(top level)'
    const hint = i.code === 'unrecognized_keys' ? ' (allowed keys: claims, values, subjects)' : ''
    throw new Error(`FACTORWATCH_ROLE_MAP ${file}: ${where}: ${i.message}${hint}`)
  }
  return parsed.data as RoleMap
}

/** A claim's values as strings: a string, an array of strings, or a space/comma separated string. */
function claimValues(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean)
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  return []
}

/** The user's role, or undefined when no claim value or subject maps to one. */
export function mapRole(claims: Record<string, unknown>, rolesClaim: string = DEFAULT_ROLES_CLAIM, map: RoleMap = EMPTY_ROLE_MAP): Role | undefined {
  const found: Role[] = []
  for (const name of new Set([rolesClaim, ...map.claims])) {
    for (const v of claimValues(claims[name])) {
      if (Object.hasOwn(map.values, v)) found.push(map.values[v])
      // A bare role name counts only in the roles claim: a directory group that happens to be
      // called "admin" must be mapped on purpose.
      else if (name === rolesClaim && Role.safeParse(v).success) found.push(v as Role)
    }
  }
  const sub = claims.sub
  if (typeof sub === 'string' && Object.hasOwn(map.subjects, sub)) found.push(map.subjects[sub])
  return strongestRole(found)
}
