import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Reply } from './vendors/types'

/** Small HTTP helpers for the simulator's shell. */

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limitBytes) {
        reject(new BodyTooLarge(`body larger than ${limitBytes} bytes`))
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string> = { ...reply.headers }
  let body: string | undefined
  if (reply.body === undefined) body = undefined
  else if (typeof reply.body === 'string') body = reply.body
  else {
    body = JSON.stringify(reply.body)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  }
  res.writeHead(reply.status, headers)
  res.end(body)
}

export type ApiErrorCode = 'invalid_request' | 'not_found' | 'unknown_vendor' | 'unknown_region' | 'payload_too_large' | 'method_not_allowed'

/** The simulator's own (non-vendor) error shape. */
export function apiError(status: number, code: ApiErrorCode, message: string, field?: string): Reply {
  return { status, body: { error: { code, message, ...(field ? { field } : {}) } } }
}
