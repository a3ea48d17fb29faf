import type { IncomingMessage } from 'node:http'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'

const gunzipAsync = promisify(gunzip)

/** A refusal with its HTTP status; the message is safe to show the client. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

/** Bytes held by in-flight requests, shared by all requests of one server. */
export interface ByteBudget {
  /** Take `n` bytes; false when that would go over the budget (never refused when empty). */
  take(n: number): boolean
  give(n: number): void
}

export function byteBudget(max: number): ByteBudget & { readonly used: number } {
  let used = 0
  return {
    get used() { return used },
    take(n) {
      if (used > 0 && used + n > max) return false
      used += n
      return true
    },
    give(n) { used -= n },
  }
}

const busy = () => new HttpError(503, 'collector busy: too many bytes in flight, retry later', { 'retry-after': '1' })

/**
 * Read a request body, refusing it with 413 once it passes `limit` (the declared
 * Content-Length is checked before reading anything) and with 503 when the server-wide byte
 * budget is spent. Bytes taken from `budget` are added to `held.bytes` for the caller to give back.
 */
export function readBody(req: IncomingMessage, limit: number, budget: ByteBudget, held: { bytes: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (declared > limit) return reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`))
    if (declared > 0) {
      if (!budget.take(declared)) return reject(busy())
      held.bytes += declared
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const stop = (err: Error) => {
      done = true
      req.off('data', onData)
      reject(err)
    }
    const onData = (c: Buffer) => {
      size += c.length
      if (size > limit) return stop(new HttpError(413, `request body exceeds the limit of ${limit} bytes`))
      if (size > held.bytes) {
        const more = size - held.bytes
        if (!budget.take(more)) return stop(busy())
        held.bytes += more
      }
      chunks.push(c)
    }
    req.on('data', onData)
    req.on('end', () => { if (!done) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)) })
    req.on('error', (err) => { if (!done) stop(err) })
  })
}

/**
 * Undo Content-Encoding. The decompressed size is capped at `limit` as well, so a gzip bomb
 * costs at most `limit` bytes of memory before it is refused with 413.
 */
export async function decodeContent(body: Buffer, encoding: string, limit: number, budget: ByteBudget, held: { bytes: number }): Promise<Buffer> {
  if (encoding === 'identity' || encoding === '') return body
  if (encoding !== 'gzip') throw new HttpError(415, `unsupported content encoding "${encoding}": expected gzip or none`)
  let out: Buffer
  try {
    out = await gunzipAsync(body, { maxOutputLength: limit })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, `decompressed body exceeds the limit of ${limit} bytes`)
    throw new HttpError(400, `invalid gzip body: ${(err as Error).message}`)
  }
  if (!budget.take(out.length)) throw busy()
  held.bytes += out.length
  return out
}
