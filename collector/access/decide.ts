import { ACTOR_HEADERS, AUDIT_ACTOR_PATTERN, type AuditRecord, type Permission, ROLES, type Role, type TokenPrincipal, can, weakestRoleFor } from '../../contract/access'

/** What a route needs: a permission (or nothing, `public`), and whether only the console's own token may call it. */
export interface RouteNeeds { permission: Permission | 'public'; consoleOnly?: boolean }

/** The presented credentials, already looked up (tokens.ts): the decision never sees a token. */
export type Presented = { kind: 'none' } | { kind: 'malformed' } | { kind: 'unknown' } | { kind: 'token'; principal: TokenPrincipal }

/** Who acts, as the audit log names them. */
export interface Who { actor: string; role: Role | 'none'; source: AuditRecord['source']; principal: TokenPrincipal | 'open' | 'anonymous' }

export type Decision =
  | { ok: true; who: Who }
  | { ok: false; who: Who; status: 400 | 401 | 403; code: string; message: string; wwwAuthenticate?: string }

export interface DecideInput {
  /** Whether COLLECTOR_API_TOKENS is set; without tokens the API is open (loopback use). */
  tokensConfigured: boolean
  presented: Presented
  /** ACTOR_HEADERS.actor and .role as sent (believed from a console token only). */
  forwarded: { actor?: string; role?: string }
  needs: RouteNeeds
}

const ANONYMOUS: Who = { actor: 'anonymous', role: 'none', source: 'api', principal: 'anonymous' }
const REALM = 'Bearer realm="factorwatch"'
const isRole = (r: string | undefined): r is Role => r !== undefined && (ROLES as readonly string[]).includes(r)
const validActor = (a: string | undefined): a is string => a !== undefined && AUDIT_ACTOR_PATTERN.test(a) && !a.startsWith('token:') && a !== 'anonymous'

/**
 * The access decision for one request: pure, from the looked-up token, the forwarded actor
 * headers and what the route needs. 401 without or with an unknown token (RFC 6750 challenge),
 * 400 for a console call without a valid forwarded actor, 403 for a role that lacks the
 * permission (naming the weakest role that has it).
 */
export function decide(input: DecideInput): Decision {
  const { needs, forwarded } = input
  if (!input.tokensConfigured) {
    // Open (loopback) mode: nothing is enforced; a forwarded actor is recorded as sent, if well-formed.
    const actor = validActor(forwarded.actor) ? forwarded.actor : 'anonymous'
    return { ok: true, who: { actor, role: isRole(forwarded.role) ? forwarded.role : 'none', source: actor === 'anonymous' ? 'api' : 'console', principal: 'open' } }
  }
  if (needs.permission === 'public') return { ok: true, who: ANONYMOUS }
  const p = input.presented
  if (p.kind === 'none') return { ok: false, who: ANONYMOUS, status: 401, code: 'unauthorized', message: `a bearer token is required (Authorization: Bearer <token>)`, wwwAuthenticate: REALM }
  if (p.kind !== 'token') {
    return { ok: false, who: ANONYMOUS, status: 401, code: 'unauthorized', message: p.kind === 'malformed' ? 'the Authorization header is not "Bearer <token>"' : 'unknown token', wwwAuthenticate: `${REALM}, error="invalid_token"` }
  }
  if (p.principal === 'console') {
    const self: Who = { actor: 'token:console', role: 'none', source: 'console', principal: 'console' }
    // The console's own actions (its audit records) name their user in the body, not in headers.
    if (needs.consoleOnly) return { ok: true, who: self }
    if (forwarded.role === undefined || forwarded.role === '') return { ok: false, who: self, status: 400, code: 'invalid_actor', message: `a console call must name its user's role in ${ACTOR_HEADERS.role}` }
    if (!isRole(forwarded.role)) return { ok: false, who: self, status: 400, code: 'invalid_actor', message: `${ACTOR_HEADERS.role}: got an unknown role, expected one of ${ROLES.join(', ')}` }
    if (!validActor(forwarded.actor)) return { ok: false, who: { ...self, role: forwarded.role }, status: 400, code: 'invalid_actor', message: `${ACTOR_HEADERS.actor}: expected the user's hash (16–128 hex or base64url characters)` }
    const who: Who = { actor: forwarded.actor, role: forwarded.role, source: 'console', principal: 'console' }
    return permitted(who, needs.permission)
  }
  const who: Who = { actor: `token:${p.principal}`, role: p.principal, source: 'api', principal: p.principal }
  if (needs.consoleOnly) return { ok: false, who, status: 403, code: 'forbidden', message: "only the console's token may call this route" }
  return permitted(who, needs.permission)
}

function permitted(who: Who, permission: Permission): Decision {
  if (who.role !== 'none' && can(who.role, permission)) return { ok: true, who }
  const needed = weakestRoleFor(permission)
  return { ok: false, who, status: 403, code: 'forbidden', message: `needs the ${needed} role or stronger (${permission}); this ${who.principal === 'console' ? 'user' : 'token'} has ${who.role}`, wwwAuthenticate: `${REALM}, error="insufficient_scope"` }
}
