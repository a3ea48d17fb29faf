import type { IncomingMessage } from 'node:http'
import type { RouteReply } from './server'

/**
 * The JSON body of a control request (silences, maintenance, game days, the console's audit
 * records), read once for every route: larger than `maxBytes` is a 413 before it is all read,
 * not JSON is a 400 naming `body`. `emptyAsNull`: an empty body parses as null (the route's
 * schema then decides), instead of a 400.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
  opts: { emptyAsNull?: boolean } = {},
): Promise<{ ok: true; value: unknown } | { ok: false; reply: RouteReply }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > maxBytes) return { ok: false, reply: { status: 413, body: { error: { code: 'body_too_large', message: `request body exceeds ${maxBytes} bytes` } } } }
    chunks.push(c as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return { ok: true, value: JSON.parse(text === '' && opts.emptyAsNull ? 'null' : text) }
  } catch {
    return { ok: false, reply: { status: 400, body: { error: { code: 'invalid_parameter', message: 'body: expected a JSON object', parameter: 'body' } } } }
  }
}
