import { ArgError, parseArgs, USAGE } from './args'
import { runTraffic } from './run'
import type { JsonWebKey } from 'node:crypto'
import { signServiceAssertion } from '../service-auth/assertion'
import { systemClock } from '../../contract/clock'

/**
 * Traffic generator for the reference IdP: creates users, then drives realistic MFA logins.
 *   npx tsx reference-idp/traffic/main.ts --target http://127.0.0.1:8080 --users 200 --rate 20 --duration 5m --seed 1
 * Exit 0 when done, 1 when the IdP is unreachable or broken, 2 on bad arguments.
 */

async function main(): Promise<number> {
  let parsed
  try {
    parsed = parseArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof ArgError)) throw err
    process.stderr.write(`traffic: ${err.message}\n`)
    return 2
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  // The process's one clock, handed to everything that reads time or waits.
  const clock = systemClock
  // The provisioning key (a private JWK) signs one short-lived assertion per provisioning call.
  let serviceAuth: (() => string) | undefined
  const signingKey = process.env.IDP_SERVICE_SIGNING_KEY
  if (signingKey) {
    let jwk: JsonWebKey & { kid: string }
    try {
      jwk = JSON.parse(signingKey)
      if (typeof jwk.kid !== 'string' || typeof jwk.d !== 'string') throw new Error('no kid or no private part')
      signServiceAssertion(jwk, clock.now())
    } catch (err) {
      process.stderr.write(`traffic: IDP_SERVICE_SIGNING_KEY: expected a private EC P-256 JWK with a kid (${(err as Error).message})\n`)
      return 2
    }
    serviceAuth = () => signServiceAssertion(jwk, clock.now(), 'traffic-generator')
  }
  const stop = new AbortController()
  let signals = 0
  const onSignal = (name: string) => {
    signals++
    if (signals === 1) {
      if (!parsed.options.quiet) process.stderr.write(`traffic: ${name}: no new attempts; waiting up to 5 s for those in flight\n`)
      stop.abort()
    } else process.exit(0) // a second signal: stop now
  }
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  return runTraffic(parsed.options, {
    out: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${line}\n`),
    signal: stop.signal,
    serviceAuth,
    clock,
  })
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`traffic: failed: ${(err as Error).message}\n`)
    process.exit(1)
  },
)
