import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeviceReader, POLL_EVERY_MS, waitForCode } from './device'

describe('DeviceReader and waitForCode', () => {
  let url = ''
  const paths: string[] = []
  let messages: unknown = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    if (req.url?.includes('broken')) return res.writeHead(500).end('oops')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages }))
  })
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('reads phones and mailboxes with the address URL-encoded, keeping only well-formed messages', async () => {
    const reader = new DeviceReader(url)
    messages = [{ id: 'm1', vendor: 'twilio', code: '123456', text: 'x', receivedAt: '2025-01-01T00:00:00.000Z' }, { id: 2 }, { id: 'm3', code: null, receivedAt: '2025-01-01T00:00:01.000Z' }]
    expect(await reader.read({ channel: 'sms', address: '+4915100000001' })).toEqual([
      { id: 'm1', code: '123456', receivedAt: '2025-01-01T00:00:00.000Z' },
      { id: 'm3', code: null, receivedAt: '2025-01-01T00:00:01.000Z' },
    ])
    await reader.read({ channel: 'email', address: 'a+b@example.test' })
    expect(paths.slice(-2)).toEqual(['/devices/phone/%2B4915100000001/messages', '/devices/mailbox/a%2Bb%40example.test/messages'])
    expect(reader.stats).toEqual({ reads: 2, errors: 0 })
  })

  it('an unreadable or unreachable simulator is null and counted, never thrown', async () => {
    const reader = new DeviceReader(url)
    expect(await reader.read({ channel: 'email', address: 'broken@example.test' })).toBeNull()
    expect(await new DeviceReader('http://127.0.0.1:1').read({ channel: 'sms', address: '+4915100000001' })).toBeNull()
    expect(reader.stats).toEqual({ reads: 1, errors: 1 })
  })

  it('polls every 500 ms until a fresh code arrives or the deadline passes', async () => {
    const reader = new DeviceReader(url)
    let t = Date.parse('2025-01-01T00:00:00.000Z')
    const deps = { devices: reader, now: () => t, sleep: async (ms: number) => void (t += ms) }
    messages = [{ id: 'old', code: '111111', receivedAt: '2024-12-31T23:59:00.000Z' }]
    expect(await waitForCode(deps, { channel: 'sms', address: '+4915100000001' }, t, t + 5_000)).toBeNull()
    expect(reader.stats.reads).toBe(5_000 / POLL_EVERY_MS + 1) // at 0, 0.5, …, 5 s
    messages = [...(messages as object[]), { id: 'new', code: '222222', receivedAt: new Date(t + 1).toISOString() }]
    expect((await waitForCode(deps, { channel: 'sms', address: '+4915100000001' }, t, t))?.code).toBe('222222') // read at least once
  })
})
