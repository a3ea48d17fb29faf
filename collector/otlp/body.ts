import type { IncomingMessage } from 'node:http'
import { promisify } from 'node:util'
import * as zlib from 'node:zlib'
import { Decompress as ZstdStream } from 'fzstd'

const gunzipAsync = promisify(zlib.gunzip)

/** Why a request was refused, the `reason` label of factorwatch_otlp_refused_total (a closed set). */
export type RefusalReason =
  | 'not_found' | 'method' | 'content_type' | 'content_encoding' | 'body_too_large' | 'decompressed_too_large'
  | 'bad_compression' | 'invalid_body' | 'too_deep' | 'busy_in_flight' | 'busy_reading' | 'busy_bytes' | 'aborted' | 'header_timeout'
  | 'body_timeout' | 'request_timeout' | 'bad_http' | 'unauthorized' | 'forbidden' | 'storage' | 'storage_refused' | 'overloaded' | 'decoder'

/** A refusal with its HTTP status; the message is safe to show the client. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}, readonly reason?: RefusalReason) {
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

const busy = () => new HttpError(503, 'collector busy: too many bytes in flight, retry later', { 'retry-after': '1' }, 'busy_bytes')
const tooLarge = (limit: number) => new HttpError(413, `decompressed body exceeds the limit of ${limit} bytes`, {}, 'decompressed_too_large')

export interface BodyTimeouts {
  /** Longest pause between two chunks of the body before 408. */
  idleMs: number
  /** Longest time from the request's arrival to its last body byte before 408 (Node's requestTimeout is the backstop). */
  totalMs: number
}

/**
 * Read a request body, refusing it with 413 once it passes `limit` (the declared
 * Content-Length is checked before reading anything), with 503 when the server-wide byte
 * budget is spent, and with 408 when the client stalls (`timeouts`). Bytes are taken from
 * `budget` as they arrive, not as declared, so a client that declares a large body and trickles
 * it holds only what it has sent. They are added to `held.bytes` for the caller to give back.
 */
export function readBody(req: IncomingMessage, limit: number, budget: ByteBudget, held: { bytes: number }, timeouts?: BodyTimeouts, startedAt = Date.now()): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (declared > limit) return reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`, {}, 'body_too_large'))
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    let idle: NodeJS.Timeout | undefined
    let total: NodeJS.Timeout | undefined
    const clear = () => { clearTimeout(idle); clearTimeout(total) }
    const stop = (err: Error) => {
      done = true
      clear()
      req.off('data', onData)
      reject(err)
    }
    const arm = () => {
      if (!timeouts) return
      clearTimeout(idle)
      idle = setTimeout(() => stop(new HttpError(408, `request body stalled: no bytes for ${timeouts.idleMs} ms`, {}, 'body_timeout')), timeouts.idleMs)
    }
    const onData = (c: Buffer) => {
      size += c.length
      if (size > limit) return stop(new HttpError(413, `request body exceeds the limit of ${limit} bytes`, {}, 'body_too_large'))
      if (size > held.bytes) {
        const more = size - held.bytes
        if (!budget.take(more)) return stop(busy())
        held.bytes += more
      }
      chunks.push(c)
      arm()
    }
    if (timeouts) {
      const left = Math.max(0, timeouts.totalMs - (Date.now() - startedAt))
      total = setTimeout(() => stop(new HttpError(408, `request body not complete within ${timeouts.totalMs} ms`, {}, 'request_timeout')), left)
      arm()
    }
    req.on('data', onData)
    req.on('end', () => { if (!done) { done = true; clear(); resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)) } })
    // The client went away mid-body: nobody reads the answer, but the request must settle.
    req.on('error', (err) => { if (!done) stop(new HttpError(400, `request body not received: ${err.message}`, {}, 'aborted')) })
    req.on('close', () => { if (!done) stop(new HttpError(400, 'client closed the connection before the body was complete', {}, 'aborted')) })
  })
}

/**
 * Undo Content-Encoding (gzip, zstd). The decompressed size is capped at `limit` as well, so a
 * gzip or zstd bomb costs at most `limit` bytes of memory before it is refused with 413.
 */
export async function decodeContent(body: Buffer, encoding: string, limit: number, budget: ByteBudget, held: { bytes: number }): Promise<Buffer> {
  if (encoding === 'identity' || encoding === '') return body
  let out: Buffer
  if (encoding === 'gzip') {
    try {
      out = await gunzipAsync(body, { maxOutputLength: limit })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit)
      throw new HttpError(400, `invalid gzip body: ${(err as Error).message}`, {}, 'bad_compression')
    }
  } else if (encoding === 'zstd') {
    out = await zstdDecompress(body, limit)
  } else {
    throw new HttpError(415, `unsupported content encoding "${encoding.slice(0, 100)}": expected gzip, zstd or none`, {}, 'content_encoding')
  }
  if (!budget.take(out.length)) throw busy()
  held.bytes += out.length
  return out
}

/*
 * zstd: Node's own zlib.zstdDecompress where it exists (Node ≥ 22.15 / 23.8), else fzstd (pure
 * JS). Either way the output is capped at `limit` and the window a frame asks for at
 * max(limit, 8 MiB) (8 MiB is what the zstd format asks every decoder to support), because the
 * decoder allocates the whole window before the first byte comes out.
 */
const MIN_WINDOW = 8 * 1024 * 1024
const windowCap = (limit: number) => Math.max(limit, MIN_WINDOW)

type NativeZstd = (buf: Buffer, opts: { maxOutputLength: number; params: Record<number, number> }, cb: (err: Error | null, out: Buffer) => void) => void
const native = (zlib as unknown as { zstdDecompress?: NativeZstd }).zstdDecompress
const ZSTD_D_WINDOW_LOG_MAX = (zlib.constants as unknown as Record<string, number>).ZSTD_d_windowLogMax

export function zstdDecompress(body: Buffer, limit: number): Promise<Buffer> {
  if (native && ZSTD_D_WINDOW_LOG_MAX !== undefined) {
    return new Promise((resolve, reject) => {
      const windowLogMax = Math.max(10, Math.min(31, Math.floor(Math.log2(windowCap(limit)))))
      native(body, { maxOutputLength: limit, params: { [ZSTD_D_WINDOW_LOG_MAX]: windowLogMax } }, (err, out) => {
        if (!err) return resolve(out)
        const e = err as Error & { code?: string }
        if (e.code === 'ERR_BUFFER_TOO_LARGE') return reject(tooLarge(limit))
        if (/window|memory/i.test(`${e.code ?? ''} ${e.message}`)) return reject(new HttpError(413, `zstd frame needs a window larger than ${windowCap(limit)} bytes`, {}, 'decompressed_too_large'))
        reject(new HttpError(400, `invalid zstd body: ${e.message}`, {}, 'bad_compression'))
      })
    })
  }
  return Promise.resolve().then(() => zstdDecompressJs(body, limit))
}

const ZSTD_MAGIC = 0xfd2fb528
const badZstd = (why: string) => new HttpError(400, `invalid zstd body: ${why}`, {}, 'bad_compression')

/**
 * The pure-JS path. fzstd sizes its buffers from each frame's header, so the frames are walked
 * first (headers and block headers only, RFC 8878 §3.1): a frame that declares more content than
 * `limit` or a window above the cap is refused before fzstd allocates anything; the output is
 * counted as it streams out and stopped at `limit`.
 */
export function zstdDecompressJs(body: Uint8Array, limit: number): Buffer {
  const out: Uint8Array[] = []
  let size = 0
  for (const frame of zstdFrames(body, limit)) {
    const d = new ZstdStream((chunk) => {
      size += chunk.length
      if (size > limit) throw tooLarge(limit)
      out.push(chunk)
    })
    try {
      d.push(frame, true)
    } catch (err) {
      if (err instanceof HttpError) throw err
      throw badZstd((err as Error).message)
    }
  }
  return Buffer.concat(out, size)
}

/** The zstd frames of a body (skippable frames dropped), each checked against the limits. */
export function zstdFrames(buf: Uint8Array, limit: number): Uint8Array[] {
  const frames: Uint8Array[] = []
  const u32 = (at: number) => (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16)) + buf[at + 3] * 0x1000000
  let pos = 0
  if (buf.length === 0) throw badZstd('empty body')
  while (pos < buf.length) {
    if (buf.length - pos < 4) throw badZstd('truncated frame')
    const magic = u32(pos)
    if (magic >= 0x184d2a50 && magic <= 0x184d2a5f) {
      if (buf.length - pos < 8) throw badZstd('truncated skippable frame')
      pos += 8 + u32(pos + 4)
      if (pos > buf.length) throw badZstd('truncated skippable frame')
      continue
    }
    if (magic !== ZSTD_MAGIC) throw badZstd('not a zstd frame')
    const start = pos
    let at = pos + 4
    if (at >= buf.length) throw badZstd('truncated frame header')
    const fhd = buf[at++]
    const fcsFlag = fhd >> 6
    const single = (fhd >> 5) & 1
    const checksum = (fhd >> 2) & 1
    const dictFlag = fhd & 3
    if (fhd & 8) throw badZstd('reserved bit set in the frame header')
    let window = 0
    if (!single) {
      if (at >= buf.length) throw badZstd('truncated frame header')
      const wd = buf[at++]
      const base = 2 ** (10 + (wd >> 3))
      window = base + (base / 8) * (wd & 7)
    }
    const dictBytes = [0, 1, 2, 4][dictFlag]
    let dictId = 0
    for (let i = 0; i < dictBytes; i++) dictId += buf[at + i] * 2 ** (8 * i)
    at += dictBytes
    if (dictId !== 0) throw new HttpError(415, 'zstd frames that need a dictionary are not supported', {}, 'content_encoding')
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]
    if (at + fcsBytes > buf.length) throw badZstd('truncated frame header')
    let fcs = -1
    if (fcsBytes > 0) {
      fcs = 0
      for (let i = 0; i < fcsBytes; i++) fcs += buf[at + i] * 2 ** (8 * i)
      if (fcsBytes === 2) fcs += 256
    }
    at += fcsBytes
    if (fcs > limit) throw new HttpError(413, `zstd frame declares ${fcs} bytes, over the limit of ${limit} bytes`, {}, 'decompressed_too_large')
    if (single) window = fcs
    if (window > windowCap(limit)) throw new HttpError(413, `zstd frame needs a window of ${window} bytes, over ${windowCap(limit)}`, {}, 'decompressed_too_large')
    // Blocks: 3-byte header (last, type, size); raw and compressed blocks carry `size` bytes, RLE one.
    for (;;) {
      if (at + 3 > buf.length) throw badZstd('truncated block')
      const h = buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16)
      at += 3
      const type = (h >> 1) & 3
      const bsize = h >>> 3
      if (type === 3) throw badZstd('reserved block type')
      at += type === 1 ? 1 : bsize
      if (at > buf.length) throw badZstd('truncated block')
      if (h & 1) break
    }
    if (checksum) at += 4
    if (at > buf.length) throw badZstd('truncated checksum')
    frames.push(buf.subarray(start, at))
    pos = at
  }
  if (frames.length === 0) throw badZstd('no zstd frame')
  return frames
}
