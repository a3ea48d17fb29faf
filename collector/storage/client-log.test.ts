import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClient } from '@clickhouse/client'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { clientLogLine, OneLineLogger } from './client'

/*
 * The @clickhouse/client log as the collector configures it: an aborted insert against a server
 * that never answers is one line naming the operation and the cause, with no stack and no
 * arguments (the client's DefaultLogger prints both for every aborted request).
 */
const servers: Server[] = []
afterAll(async () => { for (const s of servers) await new Promise((r) => s.close(r)) })

describe('clickhouse client log', () => {
  it('formats a line without the stack', () => {
    const err = new Error('socket hang up')
    expect(clientLogLine('ERROR', { module: 'Connection', message: 'Insert: HTTP request error.', err })).toBe('[clickhouse client][ERROR][Connection] Insert: HTTP request error.: socket hang up')
    expect(clientLogLine('WARN', { module: 'Pool', message: 'idle socket' })).toBe('[clickhouse client][WARN][Pool] idle socket')
  })

  it('logs an aborted insert into a hanging server as one line, and nothing below warnings', async () => {
    const hang = createServer(() => { /* never answers */ })
    servers.push(hang)
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()))
    const lines: string[] = []
    const spies = (['warn', 'error', 'log', 'info', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => { lines.push(a.map(String).join(' ')) }))
    try {
      const client = createClient({ url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`, log: { LoggerClass: OneLineLogger, level: 0 } })
      const ac = new AbortController()
      const insert = client.insert({ table: 't', values: [{ a: 1 }], format: 'JSONEachRow', abort_signal: ac.signal })
      setTimeout(() => ac.abort(), 100)
      await expect(insert).rejects.toThrow()
      hang.closeAllConnections()
      await client.close()
    } finally {
      for (const s of spies) s.mockRestore()
    }
    const errors = lines.filter((l) => l.includes('[ERROR]'))
    expect(errors.length).toBeGreaterThan(0)
    for (const l of lines) {
      expect(l).toMatch(/^\[clickhouse client\]\[(WARN|ERROR)\]/)
      expect(l).not.toContain('\n')
      expect(l).not.toMatch(/\bat .*\.js:\d+/)
    }
  })
})
