import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { MfaError } from '../errors'
import { createGuards } from './guards'
import type { RouteSpec } from './types'

const req = (method: string, origin?: string) => ({ method, headers: { host: 'idp.test', ...(origin ? { origin } : {}) } }) as unknown as IncomingMessage
const codeStep: RouteSpec = { method: 'POST', path: '/api/v1/login/totp', kind: 'api', rate: 'code' }
const unlimited: RouteSpec = { method: 'POST', path: '/api/v1/logout', kind: 'api' }

function guards(at = { ms: 0 }) {
  const limited: string[] = []
  const g = createGuards({
    rateLoginPerMinute: 5, rateCodePerMinute: 2, rateSignupPerHour: 6, now: () => new Date(at.ms),
    metrics: { rateLimited: { inc: (l: { bucket: string }) => void limited.push(l.bucket) } } as never,
  })
  return { g, limited, at }
}
const refusal = (f: () => void) => {
  try {
    f()
  } catch (e) {
    if (e instanceof MfaError) return e.code
    throw e
  }
  return 'passed'
}

describe('guards before a handler', () => {
  it("takes from the route's bucket per address and refuses past its limit, with Retry-After", () => {
    const { g, limited } = guards()
    expect([1, 2, 3].map(() => refusal(() => g.check(req('POST'), codeStep, '10.0.0.1')))).toEqual(['passed', 'passed', 'rate_limited'])
    expect(refusal(() => g.check(req('POST'), codeStep, '10.0.0.2'))).toBe('passed') // another address, its own count
    expect(limited).toEqual(['code'])
    let err: unknown
    try {
      g.check(req('POST'), codeStep, '10.0.0.1')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(MfaError)
    expect((err as MfaError).retryAfterSeconds).toBeGreaterThan(0)
  })

  it('lets a route without a bucket, and a GET, through any number of times', () => {
    const { g } = guards()
    const get: RouteSpec = { ...codeStep, method: 'GET' }
    expect([1, 2, 3, 4].map(() => refusal(() => g.check(req('POST'), unlimited, '10.0.0.1')))).not.toContain('rate_limited')
    expect([1, 2, 3, 4].map(() => refusal(() => g.check(req('GET'), get, '10.0.0.1')))).not.toContain('rate_limited')
  })

  it('refuses a cross-origin POST before it takes from a bucket', () => {
    const { g, limited } = guards()
    expect(refusal(() => g.check(req('POST', 'https://evil.test'), codeStep, '10.0.0.1'))).toBe('forbidden')
    expect(refusal(() => g.check(req('POST', 'http://idp.test'), codeStep, '10.0.0.1'))).toBe('passed')
    expect(refusal(() => g.check(req('POST', 'http://idp.test'), codeStep, '10.0.0.1'))).toBe('passed') // the refused one took nothing
    expect(limited).toEqual([])
  })

  it('sign-ups: a sixth of the hourly figure per 10 minutes', () => {
    const { g, at } = guards()
    const signup: RouteSpec = { method: 'POST', path: '/api/v1/signup', kind: 'api', rate: 'signup' }
    expect(refusal(() => g.check(req('POST'), signup, 'a'))).toBe('passed')
    expect(refusal(() => g.check(req('POST'), signup, 'a'))).toBe('rate_limited') // 6 per hour: 1 per 10 min
    at.ms += 20 * 60_000
    expect(refusal(() => g.check(req('POST'), signup, 'a'))).toBe('passed')
  })
})
