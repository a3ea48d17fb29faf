import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar, IdpClient, parseRetryAfter, USER_AGENT, waitForIdp } from './client'
import { newRunStats } from './summary'

describe('CookieJar', () => {
  it('keeps name=value of each Set-Cookie and sends them back', () => {
    const jar = new CookieJar()
    expect(jar.header()).toBeUndefined()
    jar.absorb(['fw_session=abc%20def; Path=/; HttpOnly; SameSite=Lax', 'other=1'])
    expect(jar.header()).toBe('fw_session=abc%20def; other=1')
    jar.absorb(['fw_session=new; Path=/'])
    expect(jar.header()).toBe('fw_session=new; other=1')
  })

  it('forgets a cookie cleared with an empty value or Max-Age=0', () => {
    const jar = new CookieJar()
    jar.absorb(['fw_session=x', 'a=1', 'b=2'])
    jar.absorb(['fw_session=; Path=/; Max-Age=0', 'a=1; Max-Age=0', 'junk'])
    expect(jar.header()).toBe('b=2')
    expect(jar.has('fw_session')).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')
  it.each<[string | null, number | null]>([
    ['5', 5_000],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
  ])('%j → %j', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms)
  })
})

describe('IdpClient', () => {
  let url = ''
  let closedUrl = ''
  const requests: { headers: Record<string, unknown>; body: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      requests.push({ headers: req.headers, body })
      if (req.url === '/slow') return setTimeout(() => res.end('{}'), 1_000)
      if (req.url === '/html') return res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>bad gateway</h1>')
      if (req.url === '/limited') return res.writeHead(429, { 'retry-after': '7' }).end('{"code":"rate_limited","message":"x"}')
      if (req.url === '/locked') return res.writeHead(423).end('{"code":"locked_out","message":"x","retry_after_seconds":900}')
      res.writeHead(201, { 'set-cookie': 'fw_session=s1; Path=/; HttpOnly', 'content-type': 'application/json' }).end('{"status":"created"}')
    })
  })
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const spare = createServer()
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r))
    closedUrl = `http://127.0.0.1:${(spare.address() as AddressInfo).port}`
    await new Promise<void>((r) => spare.close(() => r()))
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('sends JSON with the demo headers and the jar, keeps the new cookie and records the call', async () => {
    const stats = newRunStats()
    const client = new IdpClient(url, stats.requests)
    const jar = new CookieJar()
    jar.absorb(['old=1'])
    const r = await client.post('/api/v1/signup', { email: 'a@example.test' }, { jar, country: 'DE', client: 'ios' })
    expect(r).toMatchObject({ status: 201, body: { status: 'created' }, code: undefined, retryAfterMs: null })
    const h = requests.at(-1)!.headers
    expect(h).toMatchObject({ 'content-type': 'application/json', 'x-demo-country': 'DE', 'x-demo-client': 'ios', 'user-agent': USER_AGENT, cookie: 'old=1' })
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ email: 'a@example.test' })
    expect(jar.header()).toBe('old=1; fw_session=s1')
    expect(stats.requests.byStatus.get(201)).toBe(1)
    expect(stats.requests.byEndpoint.get('/api/v1/signup')?.count).toBe(1)
  })

  it('reads error codes, Retry-After and retry_after_seconds; survives a non-JSON body', async () => {
    const stats = newRunStats()
    const client = new IdpClient(url, stats.requests)
    const caller = { jar: new CookieJar(), country: 'US' }
    expect(await client.post('/limited', {}, caller)).toMatchObject({ status: 429, code: 'rate_limited', retryAfterMs: 7_000 })
    expect(await client.post('/locked', {}, caller)).toMatchObject({ status: 423, code: 'locked_out', retryAfterMs: 900_000 })
    expect(await client.post('/html', {}, caller)).toMatchObject({ status: 502, body: {} })
    expect(stats.requests.rateLimited).toBe(1)
  })

  it('turns a timeout and a refused connection into status 0 without throwing', async () => {
    const stats = newRunStats()
    const slow = await new IdpClient(url, stats.requests, 100).post('/slow', {}, { jar: new CookieJar(), country: 'US' })
    expect(slow).toMatchObject({ status: 0, error: 'timed out after 0.1 s' })
    const refused = await new IdpClient(closedUrl, stats.requests).post('/x', {}, { jar: new CookieJar(), country: 'US' })
    expect(refused).toMatchObject({ status: 0, error: 'ECONNREFUSED' })
    expect(stats.requests.transportErrors).toBe(2)
  })

  it('waitForIdp: returns once anything answers; gives up with the cause', async () => {
    await waitForIdp(url, 2_000)
    await expect(waitForIdp(closedUrl, 1_500)).rejects.toThrow(/unreachable after 2 s \(ECONNREFUSED\)/)
  })
})
