import type { IncomingMessage, ServerResponse } from 'node:http'
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

export interface Route {
  method: 'GET' | 'POST' | 'DELETE'
  /** Exact, or with `{name}` segments (matched when no exact path does; the handler reads the segment from `x.url`). */
  path: string
  /** JSON API routes answer errors as `{code, message}`; page routes render HTML. */
  kind: 'api' | 'page'
  handler(x: Exchange): Promise<void>
}
