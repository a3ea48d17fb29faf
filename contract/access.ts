import { z } from 'zod'

/**
 * Who may see and act (issue "access"): the roles of the console and the collector's query and
 * control API, what each may do, how API tokens are written, what the console forwards about its
 * signed-in user, and what an audit record holds. Shared by the collector (which enforces it on
 * every route), the console (which enforces it in its route handlers and pages) and the
 * reference IdP (which issues the roles claim). Imports nothing but zod.
 */

/** Roles, weakest first. Each role holds every permission of the roles before it ("plus"). */
export const ROLES = ['viewer', 'sre', 'security', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]
export const Role = z.enum(ROLES)

export const PERMISSIONS = [
  /** Dashboards: metrics, SLOs, alerts, sub-processors, explore, executive, game-day reports. */
  'dashboards.read',
  /** Create and expire silences and maintenance windows. */
  'silences.write',
  /** Security reports (enrollment, bypasses, recovery, attacks) and their exports. */
  'security.read',
  /** The audit log, and its export. */
  'audit.read',
  /** Start and abort game days; run runbook actions (drain a vendor, force a fallback). */
  'gamedays.write',
  /** Settings: tokens, role mappings, anything that changes how FactorWatch itself runs. */
  'settings.write',
] as const
export type Permission = (typeof PERMISSIONS)[number]

/** What each role adds to the one before it. */
const ADDS: Record<Role, readonly Permission[]> = {
  viewer: ['dashboards.read'],
  sre: ['silences.write'],
  security: ['security.read', 'audit.read'],
  operator: ['gamedays.write'],
  admin: ['settings.write'],
}

/** Every permission of each role (cumulative). */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = Object.fromEntries(
  ROLES.map((role, i) => [role, new Set(ROLES.slice(0, i + 1).flatMap((r) => ADDS[r]))]),
) as unknown as Record<Role, ReadonlySet<Permission>>

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission)
}

/** The weakest role that holds `permission` (for "needs the operator role" messages). */
export function weakestRoleFor(permission: Permission): Role {
  return ROLES.find((r) => can(r, permission)) as Role
}

/** The strongest of several roles (a user mapped to two roles gets the stronger). */
export function strongestRole(roles: Iterable<Role>): Role | undefined {
  let best = -1
  for (const r of roles) best = Math.max(best, ROLES.indexOf(r))
  return best < 0 ? undefined : ROLES[best]
}

/**
 * A collector API token's principal: a role, or `console` — the console's own token, which acts
 * on behalf of its signed-in user: the collector authorizes and audits with the role and actor the
 * console forwards in ACTOR_HEADERS (and refuses a console call without them).
 */
export type TokenPrincipal = Role | 'console'

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string }

/** Shortest token accepted: 16 characters (a token is a secret, not a password to type). */
export const MIN_TOKEN_LENGTH = 16

function parsePairs(spec: string, variable: string, what: string): ParseResult<[string, string][]> {
  const pairs: [string, string][] = []
  const seen = new Set<string>()
  for (const [i, raw] of spec.split(',').entries()) {
    const item = raw.trim()
    if (item === '') continue
    const colon = item.indexOf(':')
    if (colon <= 0) return { ok: false, message: `${variable} entry ${i + 1} is not ${what}:token` }
    const name = item.slice(0, colon).trim()
    const token = item.slice(colon + 1).trim()
    if (token.length < MIN_TOKEN_LENGTH) return { ok: false, message: `${variable} entry ${i + 1} (${name}): the token is shorter than ${MIN_TOKEN_LENGTH} characters` }
    if (/\s/.test(token)) return { ok: false, message: `${variable} entry ${i + 1} (${name}): the token contains whitespace` }
    if (seen.has(token)) return { ok: false, message: `${variable} entry ${i + 1} (${name}): the same token is listed twice` }
    seen.add(token)
    pairs.push([name, token])
  }
  return { ok: true, value: pairs }
}

/**
 * `COLLECTOR_API_TOKENS=viewer:…,operator:…,console:…` → token → principal. Empty or unset
 * means no tokens are configured (the API is open, for loopback use). Never echoes a token.
 */
export function parseApiTokens(spec: string | undefined): ParseResult<Map<string, TokenPrincipal>> {
  const pairs = parsePairs(spec ?? '', 'COLLECTOR_API_TOKENS', 'role')
  if (!pairs.ok) return pairs
  const out = new Map<string, TokenPrincipal>()
  for (const [i, [name, token]] of pairs.value.entries()) {
    if (name !== 'console' && !(ROLES as readonly string[]).includes(name)) {
      return { ok: false, message: `COLLECTOR_API_TOKENS entry ${i + 1}: unknown role "${name.slice(0, 40)}", expected one of ${ROLES.join(', ')} or console` }
    }
    out.set(token, name as TokenPrincipal)
  }
  return { ok: true, value: out }
}

/** Tenant names: what a producer token stamps on every record it sends. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/

/**
 * `COLLECTOR_INGEST_TOKENS=tenant:token,…` → token → tenant. The tenant of a stored record
 * comes from the token it was sent with, never from the payload.
 */
export function parseIngestTokens(spec: string | undefined): ParseResult<Map<string, string>> {
  const pairs = parsePairs(spec ?? '', 'COLLECTOR_INGEST_TOKENS', 'tenant')
  if (!pairs.ok) return pairs
  const out = new Map<string, string>()
  for (const [i, [tenant, token]] of pairs.value.entries()) {
    if (!TENANT_PATTERN.test(tenant)) return { ok: false, message: `COLLECTOR_INGEST_TOKENS entry ${i + 1}: tenant "${tenant.slice(0, 40)}" must match ${TENANT_PATTERN}` }
    out.set(token, tenant)
  }
  return { ok: true, value: out }
}

/** Resource attribute the collector stamps with the token's tenant (overwriting any sent). */
export const TENANT_ATTRIBUTE = 'factorwatch.tenant'
/** Tenant of records accepted while no ingest tokens are configured. */
export const DEFAULT_TENANT = 'default'

/**
 * Headers the console sends with its own token, naming the user it acts for. The collector
 * believes them only from a `console` token.
 */
export const ACTOR_HEADERS = {
  /** The user as an HMAC hash (never a name, e-mail or raw subject). */
  actor: 'x-factorwatch-actor',
  role: 'x-factorwatch-role',
  /** The user's address as the console saw it. */
  sourceIp: 'x-factorwatch-source-ip',
  /** The console's request id, to join the two audit records of one action. */
  requestId: 'x-request-id',
} as const

export const AUDIT_RESULTS = ['ok', 'denied', 'error'] as const
export type AuditResult = (typeof AUDIT_RESULTS)[number]

/** Where an audited action was taken. */
export const AUDIT_SOURCES = ['console', 'api'] as const

/**
 * One audited action. `action` is a stable verb such as `silence.create`, `gameday.start`,
 * `auth.sign_in`, `auth.refused`, `security.export`; `target` names what it acted on (a silence
 * id, a scenario) without personal data.
 */
export const AuditRecord = z.object({
  /** ISO 8601 with milliseconds, UTC. */
  ts: z.string(),
  source: z.enum(AUDIT_SOURCES),
  /** HMAC hash of the user, or `token:<role>` for a bare API token, or `anonymous`. */
  actor: z.string().max(128),
  role: z.union([Role, z.literal('none')]),
  action: z.string().min(1).max(80),
  target: z.string().max(256),
  /** HTTP method and path template (`POST /api/v1/silences`). */
  route: z.string().max(200),
  result: z.enum(AUDIT_RESULTS),
  status: z.number().int(),
  source_ip: z.string().max(64),
  request_id: z.string().max(64),
  /** Short, personal-data-free detail: why denied, the error's first line. */
  detail: z.string().max(500),
})
export type AuditRecord = z.infer<typeof AuditRecord>

export const AuditPage = z.object({
  records: z.array(AuditRecord),
  /** Pass back as `before` for the next page; null on the last. */
  next: z.string().nullable(),
})
export type AuditPage = z.infer<typeof AuditPage>

/** An audit action verb: dotted lower-case words (`silence.create`, `auth.sign_in`). */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/
/** An audit record id the sender chose (`AuditPost.id`). */
export const AUDIT_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/
/** Actor values that carry no personal data: a hash (hex or base64url), `token:<role>`, `anonymous`. */
export const AUDIT_ACTOR_PATTERN = /^(?:[A-Za-z0-9_-]{16,128}|token:[a-z]+|anonymous)$/

/**
 * `POST /api/v1/audit` body: one of the console's own actions (`auth.sign_in`, `auth.refused`,
 * `auth.sign_out`, …). The collector sets `ts` (its clock) and `source` (`console`); the
 * console's token is the only one allowed to post (any caller while no tokens are configured).
 */
export const AuditPost = z.strictObject({
  /**
   * The sender's id of this record, its idempotency key: a resend with the same id (after a
   * timeout whose first send did land) is stored once, and answered 201 with `duplicate: true`.
   * The console sends a fresh UUID per record and retries on timeouts, 429 and 5xx.
   */
  id: z.string().regex(AUDIT_ID_PATTERN, 'expected 16–64 characters of A–Z, a–z, 0–9, _ and - (the console sends a UUID)').optional(),
  actor: z.string().regex(AUDIT_ACTOR_PATTERN, 'expected a user hash (16–128 hex/base64url characters), token:<role> or anonymous'),
  role: z.union([Role, z.literal('none')]),
  action: z.string().max(80).regex(AUDIT_ACTION_PATTERN, 'expected a dotted lower-case verb such as auth.sign_in'),
  target: z.string().max(256).default(''),
  /** The console's route (`GET /auth/callback`). */
  route: z.string().max(200).default(''),
  result: z.enum(AUDIT_RESULTS),
  status: z.number().int().min(100).max(599),
  source_ip: z.string().max(64).default(''),
  request_id: z.string().max(64).default(''),
  detail: z.string().max(500).default(''),
})
export type AuditPost = z.infer<typeof AuditPost>
export const AuditPostResponse = z.object({
  recorded: z.literal(true),
  /** The record's `id` had been stored before: this post stored nothing. */
  duplicate: z.boolean().optional(),
})

/** Query parameters of `GET /api/v1/audit` (newest first); the export takes them too (but `limit`/`before`) plus `format`. */
export const AUDIT_QUERY_KEYS = ['from', 'to', 'action', 'actor', 'result', 'limit', 'before'] as const
export const AUDIT_PAGE_LIMIT = { default: 100, max: 1000 } as const
export const AUDIT_EXPORT_FORMATS = ['csv', 'ndjson'] as const

/** One route of the collector's query and control API with the permission it needs (`public`: none). */
export const AccessRoute = z.object({
  method: z.string(),
  path: z.string(),
  permission: z.union([z.enum(PERMISSIONS), z.literal('public')]),
  /** Only the console's own token may call it (POST /api/v1/audit); role tokens get 403. */
  console_only: z.boolean().optional(),
})
/** `GET /api/v1/access/routes`: every mounted route and what it needs. */
export const AccessRoutesResponse = z.object({ routes: z.array(AccessRoute) })
export type AccessRoutesResponse = z.infer<typeof AccessRoutesResponse>

/**
 * Authentication methods (RFC 8176 `amr`) that are a second factor beyond a password.
 * `hwk`/`swk`: proof of a hardware / software key (passkeys); `otp`: TOTP or a code sent;
 * `sms`/`tel`: code by SMS or call; `mfa`: the provider says several factors were used.
 */
export const SECOND_FACTOR_AMR = ['otp', 'sms', 'tel', 'hwk', 'swk', 'mfa', 'mca', 'sc', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pop'] as const

/** OpenID EAP ACR values for phishing-resistant authentication (hardware-bound: phrh). */
export const ACR_PHISHING_RESISTANT = 'phr'
export const ACR_PHISHING_RESISTANT_HARDWARE = 'phrh'
/** The ACR the reference IdP gives a password + one-time code sign-in. */
export const ACR_MFA = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'

/**
 * Whether an ID token shows a second factor: an `amr` holding a second-factor method, or an
 * `acr` among `acceptedAcr` (defaults: the two phishing-resistant values and ACR_MFA).
 */
export function showsSecondFactor(claims: { amr?: unknown; acr?: unknown }, acceptedAcr: readonly string[] = [ACR_PHISHING_RESISTANT, ACR_PHISHING_RESISTANT_HARDWARE, ACR_MFA]): boolean {
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((x): x is string => typeof x === 'string') : []
  if (amr.some((m) => (SECOND_FACTOR_AMR as readonly string[]).includes(m))) return true
  return typeof claims.acr === 'string' && acceptedAcr.includes(claims.acr)
}

/** Default claim holding FactorWatch roles in an ID token (a string or an array of strings). */
export const DEFAULT_ROLES_CLAIM = 'factorwatch_roles'
