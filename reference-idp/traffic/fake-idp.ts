import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFakeOob, type FakeOob, type FakeOobOptions } from './fake-oob'
import { hotp, stepAt } from './totp'
import { newServiceKeyPair, parseServiceKeys, signServiceAssertion, verifyServiceAssertion } from '../service-auth/assertion'

/**
 * Test double of the reference IdP's JSON API (the contract the generator is written against):
 * sign-up with a mailed code (a taken address gets a notice, never a code), TOTP enroll/activate, password → TOTP login with ±1 step, replay refusal, 5-wrong-codes
 * lockout, logout; SMS / voice codes and mailboxes with a fake simulator device API (fake-oob.ts) on the same
 * server. Records what it saw so tests can check the generator's behaviour.
 */

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const base32 = (buf: Buffer) => [...buf].map((b) => b.toString(2).padStart(8, '0')).join('').match(/.{1,5}/g)!.map((g) => B32[parseInt(g.padEnd(5, '0'), 2)]).join('')

interface FakeUser { password: string; group: string; secret?: Buffer; active: boolean; lastStep: number; lockedUntil: number; recovery?: string[] }
interface Flow { email: string; attempts: number; state: 'open' | 'done' | 'locked' }

export interface Seen { path: string; status: number; country?: string; client?: string; userAgent?: string; cookie?: string; ip?: string }

/** The provisioning key the fake IdP trusts (like IDP_SERVICE_KEYS); tests sign with FAKE_SERVICE_AUTH. */
const fakeServiceKey = newServiceKeyPair('fake')
const fakeServiceKeys = parseServiceKeys(JSON.stringify([fakeServiceKey.publicJwk]))
export const FAKE_SERVICE_AUTH = () => signServiceAssertion(fakeServiceKey.privateJwk, Date.now(), 'tests')

export interface FakeIdpOptions {
  /** Answer every request with this status (e.g. 500: a broken IdP). */
  failWith?: number
  /** Answer the first N requests with 429 + Retry-After: 1. */
  rateLimitFirst?: number
  /** SMS / voice (and sign-up mail) delivery delay, and the resend cooldown. */
  oob?: FakeOobOptions
  /** Password attempts (login, recovery requests) per X-Demo-IP before 429s (default: no limit). */
  passwordLimitPerIp?: number
  /** The fake's clock for TOTP steps and locks: the generator's under test (default `oob.now`, else the wall clock). */
  now?: () => number
}

export interface FakeIdp {
  url: string
  seen: Seen[]
  users: Map<string, FakeUser>
  /** SMS / voice state and mailboxes: faults to inject, what was sent. */
  oob: FakeOob
  /** Answer the next `n` requests with 429 + Retry-After: 1. */
  rateLimit(n: number): void
  close(): Promise<void>
}

export async function startFakeIdp(o: FakeIdpOptions = {}): Promise<FakeIdp> {
  const users = new Map<string, FakeUser>()
  const sessions = new Map<string, string>()
  /** Sessions whose second factor was just passed (recovery codes need one). */
  const fresh = new Set<string>()
  const passwordTries = new Map<string, number>()
  const flows = new Map<string, Flow>()
  const creds = new Map<string, string>()
  const signups = new Map<string, { email: string; password: string; code: string | null; tries: number }>()
  const seen: Seen[] = []
  let rateLimitLeft = o.rateLimitFirst ?? 0
  const oob = createFakeOob(o.oob)
  const clock = o.now ?? o.oob?.now ?? Date.now
  const flowOf = (id: unknown) => (typeof id === 'string' ? flows.get(id) : undefined)

  const handle = (req: IncomingMessage, body: Record<string, any>): [number, Record<string, unknown>, Record<string, string>?] => {
    if (o.failWith) return [o.failWith, { code: 'internal_error', message: 'boom' }]
    if (rateLimitLeft > 0) {
      rateLimitLeft--
      return [429, { code: 'rate_limited', message: 'slow down' }, { 'retry-after': '1' }]
    }
    const sid = /fw_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    const me = sid ? sessions.get(sid) : undefined
    const signIn = (email: string, mfa = false) => {
      const s = randomUUID()
      sessions.set(s, email)
      if (mfa) fresh.add(s)
      return { 'set-cookie': `fw_session=${s}; Path=/; HttpOnly; SameSite=Lax` }
    }
    const now = clock()
    const codeOk = (u: FakeUser, code: string): 'ok' | 'invalid_code' | 'code_replayed' => {
      for (const d of [-1, 0, 1]) {
        const step = stepAt(now) + d
        if (hotp(u.secret!, step) !== code) continue
        if (step <= u.lastStep) return 'code_replayed'
        u.lastStep = step
        return 'ok'
      }
      return 'invalid_code'
    }
    // Like the reference IdP: per-address password limits; 203.0.113.0/24 is block-listed (high risk: no SMS / e-mail codes).
    const ip = String(req.headers['x-demo-ip'] ?? '')
    if ((req.url === '/api/v1/login' || req.url === '/api/v1/recovery/requests') && o.passwordLimitPerIp !== undefined) {
      const n = (passwordTries.get(ip) ?? 0) + 1
      passwordTries.set(ip, n)
      if (n > o.passwordLimitPerIp) return [429, { code: 'rate_limited', message: 'slow down' }, { 'retry-after': '60' }]
    }
    const highRisk = ip.startsWith('203.0.113.')
    switch (req.url) {
      case '/api/v1/signup': {
        if (typeof body.password !== 'string' || body.password.length < 8) return [400, { code: 'bad_request', message: 'password' }]
        if (body.user_group !== undefined) return [400, { code: 'bad_request', message: 'user_group: account types are assigned by an admin' }]
        // Like the IdP: the same answer whether or not the address is taken; only the mail differs.
        const id = randomUUID()
        const code = users.has(body.email) ? null : String(randomBytes(3).readUIntBE(0, 3) % 1_000_000).padStart(6, '0')
        signups.set(id, { email: body.email, password: body.password, code, tries: 0 })
        oob.mail(body.email, code ? `Your FactorWatch code to create your account: ${code}.` : 'Someone tried to create a FactorWatch account with this e-mail address.', code)
        return [202, { signup_id: id, next: '/api/v1/signup/verify' }]
      }
      case '/api/v1/signup/verify': {
        const p = signups.get(body.signup_id)
        if (!p) return [404, { code: 'not_found', message: 'no such sign-up' }]
        if (p.tries >= 5) return [410, { code: 'flow_expired', message: 'sign up again' }]
        if (p.code === null || p.code !== body.code) {
          p.tries++
          return [401, { code: 'invalid_code', message: 'wrong' }]
        }
        signups.delete(body.signup_id)
        users.set(p.email, { password: p.password, group: 'customer', active: false, lastStep: -1, lockedUntil: 0 })
        return [201, { status: 'created' }, signIn(p.email)]
      }
      case '/api/v1/admin/account-type': {
        // Like the IdP: provisioning with the service token; types are never chosen at sign-up.
        const assertion = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
        if (!verifyServiceAssertion(assertion, fakeServiceKeys, Date.now()).ok) return [401, { code: 'unauthenticated', message: 'the bearer assertion is refused' }]
        const u = users.get(body.email)
        if (!u) return [404, { code: 'not_found', message: 'no account with this e-mail address' }]
        if (!['admin', 'workforce', 'customer', 'vendor'].includes(body.user_group)) return [400, { code: 'bad_request', message: 'user_group' }]
        if (u.group === body.user_group) return [409, { code: 'already_active', message: `already ${u.group}` }]
        u.group = body.user_group
        return [200, { id: randomUUID(), status: 'applied' }]
      }
      case '/api/v1/enroll/totp': {
        if (!me) return [401, { code: 'unauthenticated', message: 'no session' }]
        const u = users.get(me)!
        u.secret = randomBytes(20)
        const id = randomUUID()
        creds.set(id, me)
        return [200, { credential_id: id, otpauth_uri: `otpauth://totp/Fake:${encodeURIComponent(me)}?secret=${base32(u.secret)}&issuer=Fake` }]
      }
      case '/api/v1/enroll/totp/verify': {
        if (!me || creds.get(body.credential_id) !== me) return [404, { code: 'not_found', message: 'no such credential' }]
        const u = users.get(me)!
        const r = codeOk(u, body.code)
        if (r !== 'ok') return [401, { code: r, message: 'no' }]
        u.active = true
        return [200, { status: 'active' }]
      }
      case '/api/v1/enroll/oob':
        return me ? oob.enroll(me, body) : [401, { code: 'unauthenticated', message: 'no session' }]
      case '/api/v1/enroll/oob/verify':
        return me ? oob.verify(me, body) : [401, { code: 'unauthenticated', message: 'no session' }]
      case '/api/v1/login': {
        const u = users.get(body.email)
        if (!u || u.password !== body.password) return [401, { code: 'invalid_credentials', message: 'wrong' }]
        const channel = oob.activeChannel(body.email)
        if (!u.active && !channel) return [200, { status: 'authenticated' }, signIn(body.email)]
        if (u.lockedUntil > now) return [423, { code: 'locked_out', message: 'locked' }, { 'retry-after': String(Math.ceil((u.lockedUntil - now) / 1000)) }]
        if (highRisk && !u.active && !u.recovery?.length) return [403, { code: 'forbidden', message: 'risky sign-in', risk_level: 'high' }]
        const id = randomUUID()
        flows.set(id, { email: body.email, attempts: 0, state: 'open' })
        return u.active ? [200, { flow_id: id, next: 'totp' }] : oob.startLogin(body.email, id)
      }
      case '/api/v1/login/send': {
        const f = flowOf(body.flow_id)
        if (!f) return [404, { code: 'flow_not_found', message: 'no flow' }]
        if (f.state !== 'open') return [410, { code: 'flow_expired', message: 'over' }]
        return oob.resend(f.email, body.flow_id, body.channel)
      }
      case '/api/v1/recovery/requests':
        return [202, { status: 'received' }]
      case '/api/v1/recovery-codes': {
        if (!me) return [401, { code: 'unauthenticated', message: 'no session' }]
        if (!fresh.has(sid!)) return [403, { code: 'stepup_required', message: 'step up first' }]
        const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex').replace(/^(.{5})/, '$1-'))
        users.get(me)!.recovery = [...codes]
        return [200, { codes, remaining: codes.length }]
      }
      case '/api/v1/login/totp':
      case '/api/v1/login/code':
      case '/api/v1/login/recovery-code': {
        const f = flows.get(body.flow_id)
        if (!f) return [404, { code: 'flow_not_found', message: 'no flow' }]
        if (f.state === 'locked') return [423, { code: 'locked_out', message: 'locked' }]
        if (f.state === 'done') return [410, { code: 'flow_expired', message: 'over' }]
        const u = users.get(f.email)!
        const spend = (code: string) => {
          if (!u.recovery?.includes(code)) return false
          u.recovery = u.recovery.filter((c) => c !== code)
          return true
        }
        const r =
          req.url === '/api/v1/login/code' ? (oob.check(body.flow_id, body.code) ? 'ok' : 'invalid_code')
          : req.url === '/api/v1/login/recovery-code' ? (spend(body.code) ? 'ok' : 'invalid_code')
          : codeOk(u, body.code)
        if (r === 'ok') {
          f.state = 'done'
          return [200, { status: 'authenticated', recovery_codes_remaining: u.recovery?.length ?? 0 }, signIn(f.email, true)]
        }
        if (++f.attempts >= 5) {
          f.state = 'locked'
          u.lockedUntil = now + 900_000
          return [423, { code: 'locked_out', message: 'locked' }, { 'retry-after': '900' }]
        }
        return [401, { code: r, message: 'wrong', reason: r, attempts_left: 5 - f.attempts }]
      }
      case '/api/v1/logout':
        if (sid) sessions.delete(sid)
        return [200, { status: 'signed_out' }, { 'set-cookie': 'fw_session=; Path=/; Max-Age=0' }]
      default:
        return [404, { code: 'not_found', message: 'no route' }]
    }
  }

  const server: Server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let body: Record<string, any> = {}
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}
      } catch {
        // leave empty
      }
      const [status, json, headers] = req.method === 'POST' ? handle(req, body) : (oob.device(req.url ?? '') ?? [404, { code: 'not_found', message: 'GET' }])
      const h = req.headers
      seen.push({ path: req.url ?? '', status, country: h['x-demo-country'] as string, client: h['x-demo-client'] as string, userAgent: h['user-agent'], cookie: h.cookie, ip: h['x-demo-ip'] as string })
      res.writeHead(status, { 'content-type': 'application/json', ...(headers ?? {}) })
      res.end(JSON.stringify(json))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    users,
    oob,
    rateLimit: (n) => void (rateLimitLeft = n),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    }),
  }
}
