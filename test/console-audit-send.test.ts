import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AuditPost } from '../contract/access'
import { sendAudit } from '../app/_lib/auth/audit'
import { startFakeCollector, type FakeRequest, type Reply } from './support/fake-collector'

/**
 * The console's audit sender (app/_lib/auth/audit.ts) against a collector that is slow, busy or
 * refuses: a timeout, 429 and 5xx are resent under the record's one id (the collector stores an id
 * once), a 4xx is not, and giving up is one warning line, never a throw.
 */
const TOKEN = 'console-token-audit-send-0123456789'
const ACTOR = { user: 'b2'.repeat(16), role: 'admin' as const, sourceIp: '127.0.0.1', requestId: '00000000-0000-4000-8000-000000000001' }
const ENTRY = { action: 'auth.sign_in', target: '', route: 'GET /auth/callback', result: 'ok' as const, status: 303, detail: 'amr pwd otp' }

let collector: Awaited<ReturnType<typeof startFakeCollector>>
let posts: FakeRequest[] = []
/** The replies of the next posts, in order (then 201). A number delays that reply by so many ms. */
let script: (Reply | number)[] = []

beforeAll(async () => {
  collector = await startFakeCollector(async (r) => {
    if (`${r.method} ${r.url.pathname}` !== 'POST /api/v1/audit') return undefined
    posts.push(r)
    const next = script.shift()
    if (typeof next === 'number') {
      await new Promise((res) => setTimeout(res, next))
      return { status: 201, body: { recorded: true } }
    }
    return next ?? { status: 201, body: { recorded: true } }
  })
})
afterAll(async () => {
  await collector?.close()
})
afterEach(() => {
  posts = []
  script = []
  vi.restoreAllMocks()
})

const send = (retryDelaysMs: number[] = [10, 10, 10]) => sendAudit(ACTOR, ENTRY, { baseUrl: collector.url, token: TOKEN, timeoutMs: 200, retryDelaysMs })
const bodies = () => posts.map((p) => AuditPost.parse(JSON.parse(p.body)))

describe('sendAudit', () => {
  it('sends one record with a fresh id, the console token and the actor', async () => {
    await send()
    await send()
    expect(posts).toHaveLength(2)
    const [a, b] = bodies()
    expect(a).toMatchObject({ actor: ACTOR.user, role: 'admin', action: 'auth.sign_in', request_id: ACTOR.requestId, status: 303 })
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(b.id).not.toBe(a.id)
    expect(posts[0].headers.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('resends a send that timed out, under the same id', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    script = [1500]
    await send()
    // Two posts, or more if a resend also ran over 200 ms on a loaded machine: one record id.
    expect(posts.length).toBeGreaterThanOrEqual(2)
    const [a, ...rest] = bodies()
    for (const b of rest) expect(b).toEqual(a)
    expect(warn).not.toHaveBeenCalled()
  })

  it('resends on 503 and 429, after the Retry-After the collector sends', async () => {
    script = [
      { status: 503, body: { error: { code: 'audit_unavailable', message: 'held' } }, headers: { 'retry-after': '0' } },
      { status: 429, body: { error: { code: 'overloaded', message: 'busy' } }, headers: { 'retry-after': '1' } },
    ]
    const started = Date.now()
    // The delays given would resend at once; the second pause is the collector's Retry-After of 1 s.
    await send([0, 0, 0])
    expect(posts).toHaveLength(3)
    expect(new Set(bodies().map((b) => b.id)).size).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })

  it('does not resend a record the collector refused as bad (400), and says so once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    script = [{ status: 400, body: { error: { code: 'invalid_parameter', message: 'detail: too long' } } }]
    await send()
    expect(posts).toHaveLength(1)
    expect(warn.mock.calls).toEqual([['audit not recorded (auth.sign_in): collector answered HTTP 400']])
  })

  it('gives up after four attempts with one warning, and never throws', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const fail: Reply = { status: 500, body: { error: { code: 'internal', message: 'x' } } }
    script = [fail, fail, fail, fail]
    await expect(send()).resolves.toBeUndefined()
    expect(posts).toHaveLength(4)
    expect(warn.mock.calls).toEqual([['audit not recorded (auth.sign_in) after 4 attempts: collector answered HTTP 500']])

    collector.ctl.down = true
    try {
      await expect(send()).resolves.toBeUndefined()
    } finally {
      collector.ctl.down = false
    }
    expect(warn.mock.calls[1][0]).toMatch(/^audit not recorded \(auth\.sign_in\) after 4 attempts: /)
  })
})
