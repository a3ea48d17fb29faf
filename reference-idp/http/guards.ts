import type { IncomingMessage } from 'node:http'
import { MfaError } from '../errors'
import type { IdpMetrics } from '../telemetry/metrics'
import { sameOrigin } from './context'
import { createRateLimiter } from './rate-limit'
import type { RateBucket, RouteSpec } from './types'

export interface GuardOptions {
  /** The IdP's public origin when configured (IDP_PUBLIC_URL); otherwise the request's Host. */
  publicUrl?: string
  rateLoginPerMinute: number
  rateCodePerMinute: number
  rateSignupPerHour: number
  now: () => Date
  metrics: Pick<IdpMetrics, 'rateLimited'>
}

const LIMITED: Record<RateBucket, string> = { password: 'sign-in attempts', code: 'code attempts', signup: 'sign-ups' }

/**
 * What a request must pass before its handler runs: a POST must come from our own origin
 * (CSRF; a DELETE too), and a POST to a route with a rate bucket (its route table says which) takes one from
 * that bucket for the client's address, in front of guessing.
 */
export function createGuards(o: GuardOptions) {
  const clock = () => o.now().getTime()
  const limiters: Record<RateBucket, ReturnType<typeof createRateLimiter>> = {
    password: createRateLimiter({ perMinute: o.rateLoginPerMinute }, clock),
    code: createRateLimiter({ perMinute: o.rateCodePerMinute }, clock),
    // A sixth of the hourly figure per 10 minutes: no burst of an hour's sign-ups at once (SMS pumping, ASVS 2.2.1).
    signup: createRateLimiter({ perWindow: Math.floor(o.rateSignupPerHour / 6), windowSeconds: 600 }, clock),
  }
  const origin = o.publicUrl ? new URL(o.publicUrl).origin : undefined
  return {
    /** Throws `forbidden` (cross-origin POST) or `rate_limited` (with Retry-After); otherwise the request goes on. */
    check(req: IncomingMessage, route: RouteSpec, ip: string | undefined): void {
      if ((req.method === 'POST' || req.method === 'DELETE') && !sameOrigin(req, origin)) throw new MfaError('forbidden', 'cross-origin form posts are refused')
      const bucket = req.method === 'POST' ? route.rate : undefined
      if (!bucket) return
      const t = limiters[bucket].take(ip ?? 'unknown')
      if (!t.ok) {
        o.metrics.rateLimited.inc({ bucket })
        throw new MfaError('rate_limited', `too many ${LIMITED[bucket]} from this address; wait ${t.retryAfterSeconds} s`, { retry_after_seconds: t.retryAfterSeconds }, t.retryAfterSeconds)
      }
    },
  }
}
