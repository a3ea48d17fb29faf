import type { AddressInfo } from 'node:net'
import { createQueryServer } from '../../collector/query/server'
import type { OpenClickHouse } from '../../collector/storage/client'

/** The collector's query API on a free 127.0.0.1 port over an open store, its clock fixed at `now`. */
export async function serveQueryApi(ch: Pick<OpenClickHouse, 'client' | 'transport'>, now: () => number): Promise<{ base: string; close: () => Promise<void> }> {
  const server = createQueryServer({ client: ch.client, transport: ch.transport, now })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
