import type { IncomingMessage, ServerResponse } from 'node:http'
import type { z } from 'zod'
import type { ErrorCode } from '../errors'
import type { RequestCtx } from '../login/service'

/** One request as handlers see it. */
export interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  ctx: RequestCtx
  body(): Promise<Record<string, unknown>>
  /** The exact body text (read once; body() parses the same text). */
  raw(): Promise<string>
  /** The signed-in user's id, or undefined. */
  userId(): Promise<string | undefined>
  /** The session with when its second factor was last passed (step-up freshness). */
  session(): Promise<{ userId: string; mfaAt: Date | null; mfaFactor?: string | null } | undefined>
  sessionToken(): string | undefined
  /** Start a fresh session (rotation: any old one is revoked); `mfa` when a second factor was just passed. Returns its cookie. */
  signIn(userId: string, mfa?: boolean | string): Promise<string>
  signOut(): Promise<string>
}

/** The per-address limit a route's POSTs draw from (http/guards.ts): password steps, code steps, sign-ups. */
export type RateBucket = 'password' | 'code' | 'signup'

/** What /openapi.json says about a JSON route (reference-idp/openapi.ts). */
export interface RouteDocs {
  summary: string
  /** The success status and what its body holds. */
  ok: [status: number, description: string]
  /** Error codes it may answer (`overloaded` is added to every route). */
  errors: ErrorCode[]
  /** Needs a session cookie. */
  session?: boolean
}

/**
 * A route's facts, in one place: where it is, the zod schema of its JSON body (documented, and
 * what its handler parses with), its documentation and the rate bucket its POSTs draw from.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE'
  /** Exact, or with `{name}` segments (matched when no exact path does; the handler reads the segment from `x.url`). */
  path: string
  /** JSON API routes answer errors as `{code, message}`; page routes render HTML. */
  kind: 'api' | 'page'
  body?: z.ZodType
  /** Every JSON route has docs (start-up refuses one without), except vendor webhooks. */
  docs?: RouteDocs
  rate?: RateBucket
}

/** A route file's facts by name: what /openapi.json is built from, whether or not the route is mounted. */
export type RouteTable = Readonly<Record<string, RouteSpec>>

export interface Route extends RouteSpec {
  handler(x: Exchange): Promise<void>
}
