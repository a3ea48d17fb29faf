/**
 * Passkey sign-ins per second: passwordless WebAuthn (options + verify, two HTTP calls) against
 * an in-process IdP on PGlite with telemetry exported to a discarding OTLP sink. Assertions come
 * from a software authenticator (ES256), as a browser's platform authenticator would send them.
 */
import { loadIdpConfig } from '../../reference-idp/config'
import { startIdp } from '../../reference-idp/server'
import { softAuthenticator } from '../../reference-idp/traffic/soft-authenticator'
import { createLocalOutbox } from '../../reference-idp/subprocessors/local'
import { BENCH_PASSWORD, otlpSink, post, quantiles, signUpFromOutbox } from './idp'

export async function benchWebauthn(o: { seconds: number; concurrency?: number }) {
  const sink = await otlpSink()
  const box = createLocalOutbox()
  const idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'on', otlpEndpoint: sink.url, maxInFlight: 10_000, rateLoginPerMinute: 100_000, rateCodePerMinute: 100_000, rateSignupPerHour: 1_000_000 }), { sender: box, log: () => {} })
  const origin = idp.url.replace('127.0.0.1', 'localhost')
  try {
    // One authenticator (and account) per worker: a real authenticator signs one assertion at a
    // time, and its counter must rise in the order the IdP sees them.
    const workers = o.concurrency ?? 8
    const auths = Array.from({ length: workers }, () => softAuthenticator())
    for (let i = 0; i < workers; i++) {
      const auth = auths[i]
      const cookie = await signUpFromOutbox(idp.url, box, `pk-bench-${i}@example.test`, BENCH_PASSWORD)
      const opt = await post(`${idp.url}/api/v1/webauthn/register/options`, {}, cookie)
      const reg = await post(`${idp.url}/api/v1/webauthn/register/verify`, { challenge_id: opt.body.challenge_id, response: auth.create(opt.body.options as never, { origin }) }, cookie)
      if (reg.status !== 201) throw new Error(`bench set-up: passkey registration failed (${JSON.stringify(reg.body)})`)
    }
    const latencies: number[] = []
    const start = performance.now()
    const deadline = start + o.seconds * 1000
    await Promise.all(auths.map(async (auth) => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        const opt = await post(`${idp.url}/api/v1/webauthn/login/options`, {})
        const r = await post(`${idp.url}/api/v1/webauthn/login/verify`, { challenge_id: opt.body.challenge_id, response: auth.get(opt.body.options as never, { origin }) })
        if (r.body.status !== 'authenticated') throw new Error(`bench passkey sign-in failed: ${JSON.stringify(r.body)}`)
        latencies.push(performance.now() - t0)
      }
    }))
    const elapsed = (performance.now() - start) / 1000
    return { verificationsPerSec: latencies.length / elapsed, ...quantiles(latencies), count: latencies.length }
  } finally {
    await idp.close()
    await sink.close()
  }
}
