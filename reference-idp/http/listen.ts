import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { IdpMetrics } from '../telemetry/metrics'
import { sendJson } from './io'

export interface ListenOptions {
  host: string
  port: number
  /** Requests in progress at most; one more is answered 503 with Retry-After at once. */
  maxInFlight: number
  metrics: Pick<IdpMetrics, 'overloaded'>
  log(line: string): void
}

/** The HTTP server in front of the router: an in-flight cap (overload answers 503), header and request timeouts. */
export async function listen(o: ListenOptions, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<{ server: Server; port: number }> {
  let inFlight = 0
  const server = createServer((req, res) => {
    if (inFlight >= o.maxInFlight) {
      o.metrics.overloaded.inc()
      req.resume()
      return sendJson(res, 503, { code: 'overloaded', message: 'too many requests in progress; retry shortly' }, { 'retry-after': '1' })
    }
    inFlight++
    res.on('close', () => inFlight--)
    handle(req, res).catch((e) => {
      o.log(`unhandled: ${e instanceof Error ? e.message : String(e)}`)
      if (!res.headersSent) sendJson(res, 500, { code: 'internal_error', message: 'internal error' })
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve())
  })
  return { server, port: (server.address() as AddressInfo).port }
}

/** Stop listening and drop open connections. */
export const closeServer = (server: Server) => new Promise<void>((resolve) => {
  server.close(() => resolve())
  server.closeAllConnections()
})
