import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a fake collector route answers: JSON unless `type` says otherwise. */
export interface Reply { status: number; body: unknown; type?: string; headers?: Record<string, string> }
export interface FakeRequest { method: string; url: URL; body: string; headers: IncomingMessage['headers'] }

const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let s = ''
  req.on('data', (c) => (s += c))
  req.on('end', () => resolve(s))
})

/**
 * A stand-in for the collector's query API on a free port, for console browser tests: `handle`
 * answers by method and path (undefined → the collector's 404 body); `down` drops every connection.
 */
export async function startFakeCollector(handle: (r: FakeRequest) => Reply | undefined | Promise<Reply | undefined>) {
  const ctl = { down: false }
  const server = createServer(async (req, res) => {
    if (ctl.down) return res.destroy()
    const url = new URL(req.url!, 'http://fake')
    const reply = (await handle({ method: req.method ?? 'GET', url, body: await readBody(req), headers: req.headers })) ?? { status: 404, body: { error: { code: 'not_found', message: `no route ${url.pathname}` } } }
    const text = typeof reply.body === 'string' && reply.type ? reply.body : JSON.stringify(reply.body)
    res.writeHead(reply.status, { 'content-type': reply.type ?? 'application/json', ...reply.headers })
    res.end(text)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    ctl,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
