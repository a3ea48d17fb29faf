/**
 * Reference IdP throughput: complete TOTP logins (password step + code step, two HTTP calls)
 * against an in-process IdP on PGlite, with telemetry exported over OTLP/HTTP protobuf to a
 * sink that accepts and discards (so the figure is the IdP's own cost), or off.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadIdpConfig } from '../../reference-idp/config'
import { hotp, base32Decode } from '../../reference-idp/factors/totp'
import { startIdp } from '../../reference-idp/server'
import { createLocalOutbox, type LocalOutbox } from '../../reference-idp/subprocessors/local'

const STEP_MS = 30_000
/** Passes the new-password policy (not built on the bench addresses' names). */
export const BENCH_PASSWORD = 'quartz meter lantern 47'

export async function otlpSink(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let bytes = 0
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' })
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => bytes, close: () => new Promise((r) => server.close(() => r())) }
}

export const post = async (url: string, body: unknown, cookie = '') => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) })
  return { status: res.status as number, cookie: res.headers.getSetCookie().find((c) => /^(__Host-)?fw_session=/.test(c))?.split(';')[0] ?? '', body: (await res.json()) as Record<string, string> }
}

/** Sign up in two steps, the code read from the IdP's in-process outbox; returns the session cookie. */
export async function signUpFromOutbox(idpUrl: string, box: LocalOutbox, email: string, password: string): Promise<string> {
  const s = await post(`${idpUrl}/api/v1/signup`, { email, password })
  const code = /code to create your account: (\d{6})/.exec(box.messagesTo(email).at(-1)?.text ?? '')?.[1]
  const v = await post(`${idpUrl}/api/v1/signup/verify`, { signup_id: s.body.signup_id, code })
  if (v.status !== 201) throw new Error(`bench set-up: sign-up failed (${s.status} ${JSON.stringify(s.body)}, ${v.status} ${JSON.stringify(v.body)})`)
  return v.cookie
}

/** p50 and p95 of a list of milliseconds. */
export function quantiles(ms: number[]): { p50Ms: number; p95Ms: number } {
  const s = [...ms].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0
  return { p50Ms: q(0.5), p95Ms: q(0.95) }
}

export interface IdpBenchResult { totpLoginsPerSec: number; p50Ms: number; p95Ms: number; logins: number; otlpBytes: number }

/**
 * Users log in once per (virtual) 30-s step so no code is a replay: the IdP's clock moves
 * one step between rounds, and every round logs each user in once, `concurrency` at a time.
 */
export async function benchIdp(o: { seconds: number; telemetry: boolean; users?: number; concurrency?: number }): Promise<IdpBenchResult> {
  const users = o.users ?? 64
  const concurrency = o.concurrency ?? 8
  const otlp = await otlpSink()
  let clock = Date.now()
  const box = createLocalOutbox()
  // scrypt at N=2^14: the figures are the IdP's, not scrypt's (at the default 2^17 one password check is ~0.4 s of a core).
  const idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: o.telemetry ? 'on' : 'off', otlpEndpoint: otlp.url, maxInFlight: 10_000, rateLoginPerMinute: 100_000, rateCodePerMinute: 100_000, rateSignupPerHour: 1_000_000 }), { now: () => new Date(clock), sender: box, log: () => {} })
  try {
    const accounts: { email: string; secret: Buffer }[] = []
    for (let i = 0; i < users; i++) {
      const email = `bench-${i}@example.test`
      const cookie = await signUpFromOutbox(idp.url, box, email, BENCH_PASSWORD)
      const e = await post(`${idp.url}/api/v1/enroll/totp`, {}, cookie)
      const secret = base32Decode(new URL(e.body.otpauth_uri).searchParams.get('secret')!)
      const code = hotp(secret, Math.floor(clock / STEP_MS), 'SHA1', 6)
      const v = await post(`${idp.url}/api/v1/enroll/totp/verify`, { credential_id: e.body.credential_id, code }, cookie)
      if (v.body.status !== 'active') throw new Error(`bench set-up: activation failed (${JSON.stringify(v.body)})`)
      accounts.push({ email, secret })
    }
    const latencies: number[] = []
    const start = performance.now()
    const deadline = start + o.seconds * 1000
    while (performance.now() < deadline) {
      clock += STEP_MS
      const step = Math.floor(clock / STEP_MS)
      let next = 0
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < accounts.length && performance.now() < deadline) {
          const a = accounts[next++]
          const t0 = performance.now()
          const l = await post(`${idp.url}/api/v1/login`, { email: a.email, password: BENCH_PASSWORD })
          const r = await post(`${idp.url}/api/v1/login/totp`, { flow_id: l.body.flow_id, code: hotp(a.secret, step, 'SHA1', 6) })
          if (r.body.status !== 'authenticated') throw new Error(`bench login failed: ${JSON.stringify(r.body)}`)
          latencies.push(performance.now() - t0)
        }
      }))
    }
    const elapsed = (performance.now() - start) / 1000
    await idp.close() // flushes telemetry
    return { totpLoginsPerSec: latencies.length / elapsed, ...quantiles(latencies), logins: latencies.length, otlpBytes: otlp.received() }
  } finally {
    await idp.close().catch(() => {})
    await otlp.close()
  }
}
