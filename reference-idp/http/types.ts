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
  sessionToken(): string | undefined
  /** Start a fresh session (rotation: any old one is revoked) and set its cookie on the response. */
  signIn(userId: string): Promise<string>
  signOut(): Promise<string>
}

export interface Route {
  method: 'GET' | 'POST'
  path: string
  /** JSON API routes answer errors as `{code, message}`; page routes render HTML. */
  kind: 'api' | 'page'
  handler(x: Exchange): Promise<void>
}
