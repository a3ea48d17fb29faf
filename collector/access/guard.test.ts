import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ACTOR_HEADERS } from '../../contract/access'
import { AuditLog } from './audit-log'
import { createAccessGuard, type GuardedRoute } from './guard'

const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90'
const TOKENS = new Map([['sre-token-0123456789ab', 'sre' as const], ['console-token-012345678', 'console' as const]])
const SILENCE: GuardedRoute = { method: 'POST', path: '/api/v1/silences', permission: 'silences.write', action: 'silence.create' }
const SLOS: GuardedRoute = { method: 'GET', path: '/api/v1/slos', permission: 'dashboards.read' }
const req = (headers: Record<string, string>) => ({ headers, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage
const url = (p: string) => new URL(p, 'http://collector.test')

/** A ClickHouse stand-in whose inserts fail while `down` is set. */
function store() {
  const rows: unknown[][] = []
  const s = {
    down: false,
    rows,
    insert: async (p: { values: unknown[][] }) => {
      if (s.down) throw new Error('Code: 241. MEMORY_LIMIT_EXCEEDED')
      rows.push(...p.values)
      return {}
    },
    query: async () => { throw new Error('not used') },
  }
  return s
}

function setup() {
  const ch = store()
  const lines: string[] = []
  const audit = new AuditLog(ch as never, (l) => lines.push(l))
  const guard = createAccessGuard({ tokens: TOKENS, audit, now: () => Date.UTC(2026, 11, 7) })
  return { ch, lines, audit, guard }
}

describe('access guard and audit log', () => {
  it('audits an action with its caller and target; a refusal with its reason', async () => {
    const { ch, guard } = setup()
    const a = await guard.admit(req({ authorization: 'Bearer console-token-012345678', [ACTOR_HEADERS.role]: 'sre', [ACTOR_HEADERS.actor]: HASH, [ACTOR_HEADERS.sourceIp]: '203.0.113.9', [ACTOR_HEADERS.requestId]: 'r-1' }), SILENCE, url('/api/v1/silences'))
    expect(a.ok).toBe(true)
    if (!a.ok) return
    expect(await guard.settle(SILENCE, url('/api/v1/silences'), a.caller, { status: 201, body: { id: 's-1' } })).toEqual({ 'x-request-id': 'r-1' })
    expect(ch.rows[0].slice(2)).toEqual(['console', HASH, 'sre', 'silence.create', 's-1', 'POST /api/v1/silences', 'ok', 201, '203.0.113.9', 'r-1', ''])
    // Reads are not audited; refusals are.
    const read = await guard.admit(req({ authorization: 'Bearer sre-token-0123456789ab' }), SLOS, url('/api/v1/slos'))
    expect(read.ok && (await guard.settle(SLOS, url('/api/v1/slos'), read.caller, { status: 200, body: {} }))).toEqual({})
    expect(ch.rows).toHaveLength(1)
    const refused = await guard.admit(req({}), SLOS, url('/api/v1/slos'))
    expect(refused.ok).toBe(false)
    expect(ch.rows[1].slice(2, 10)).toEqual(['api', 'anonymous', 'none', 'slos.read', '', 'GET /api/v1/slos', 'denied', 401])
  })

  it('a failed audit write is said in the answer, logged in full without the token, retried, and blocks further actions until stored', async () => {
    const { ch, lines, audit, guard } = setup()
    const sre = { authorization: 'Bearer sre-token-0123456789ab' }
    ch.down = true
    const a = await guard.admit(req(sre), SILENCE, url('/api/v1/silences'))
    expect(a.ok).toBe(true)
    if (!a.ok) return
    const headers = await guard.settle(SILENCE, url('/api/v1/silences'), a.caller, { status: 201, body: { id: 's-2' } })
    expect(headers['x-factorwatch-audit']).toBe('failed')
    expect(lines.join('\n')).toMatch(/AUDIT WRITE FAILED.*"action":"silence.create".*"target":"s-2"/)
    expect(lines.join('\n')).not.toContain('sre-token-0123456789ab')
    expect(audit.pendingCount).toBe(1)

    // The next action is refused before it happens.
    const blocked = await guard.admit(req(sre), SILENCE, url('/api/v1/silences'))
    expect(blocked.ok).toBe(false)
    if (blocked.ok) return
    expect(blocked.reply.status).toBe(503)
    expect(blocked.reply.headers).toMatchObject({ 'retry-after': '30', 'x-factorwatch-audit': 'failed' })
    expect(audit.pendingCount).toBe(2)
    // A refused read still answers, and says its record is not stored.
    const anon = await guard.admit(req({}), SLOS, url('/api/v1/slos'))
    expect(!anon.ok && anon.reply.headers?.['x-factorwatch-audit']).toBe('failed')

    ch.down = false
    const again = await guard.admit(req(sre), SILENCE, url('/api/v1/silences'))
    expect(again.ok).toBe(true)
    expect(audit.pendingCount).toBe(0)
    expect(ch.rows.map((r) => [r[5], r[9]])).toEqual([['silence.create', 201], ['silence.create', 503], ['slos.read', 401]])
  })

  it('without tokens nothing is refused but actions are still audited', async () => {
    const ch = store()
    const guard = createAccessGuard({ tokens: new Map(), audit: new AuditLog(ch as never, () => {}), now: () => 0 })
    expect(guard.tokensConfigured).toBe(false)
    const a = await guard.admit(req({}), SILENCE, url('/api/v1/silences'))
    expect(a.ok).toBe(true)
    if (a.ok) await guard.settle(SILENCE, url('/api/v1/silences'), a.caller, { status: 400, body: { error: { code: 'invalid_parameter', message: 'endsAt: expected a time in the future' } } })
    expect(ch.rows[0].slice(2)).toEqual(['api', 'anonymous', 'none', 'silence.create', '', 'POST /api/v1/silences', 'error', 400, '127.0.0.1', expect.any(String), 'endsAt: expected a time in the future'])
  })
})
