import { describe, expect, it } from 'vitest'
import { parseRetryAfter, statusClass, toSendResult } from './map'
import type { VendorOutcome } from './types'
import { vonageSmsVerdict } from './vonage'

const m = { latencyMs: 123.4, costMicros: 79_000 }

describe('toSendResult', () => {
  it.each<[string, VendorOutcome, Partial<ReturnType<typeof toSendResult>>]>([
    ['201 with id', { kind: 'response', status: 201, providerMessageId: 'SM1' }, { ok: true, reason: 'ok', httpStatusClass: '2xx', costMicros: 79_000, providerMessageId: 'SM1' }],
    ['202 without body id', { kind: 'response', status: 202 }, { ok: true, reason: 'ok', httpStatusClass: '2xx', costMicros: 79_000 }],
    ['400', { kind: 'response', status: 400 }, { ok: false, reason: 'http_4xx', httpStatusClass: '4xx', costMicros: 0 }],
    ['401', { kind: 'response', status: 401 }, { ok: false, reason: 'http_4xx', httpStatusClass: '4xx', costMicros: 0 }],
    ['429 + Retry-After', { kind: 'response', status: 429, retryAfterSeconds: 3 }, { ok: false, reason: 'rate_limited', httpStatusClass: '4xx', costMicros: 0, retryAfterSeconds: 3 }],
    ['429 without Retry-After', { kind: 'response', status: 429 }, { ok: false, reason: 'rate_limited', httpStatusClass: '4xx' }],
    ['500', { kind: 'response', status: 500 }, { ok: false, reason: 'http_5xx', httpStatusClass: '5xx', costMicros: 0 }],
    ['503 (HTML outage page)', { kind: 'response', status: 503, retryAfterSeconds: 9 }, { ok: false, reason: 'http_5xx', httpStatusClass: '5xx' }],
    ['302 from a send endpoint', { kind: 'response', status: 302 }, { ok: false, reason: 'http_5xx', httpStatusClass: '3xx' }],
    ['200 throttled in body (Vonage "1")', { kind: 'response', status: 200, vendorReason: 'rate_limited', retryAfterSeconds: 1 }, { ok: false, reason: 'rate_limited', httpStatusClass: '2xx', costMicros: 0, retryAfterSeconds: 1 }],
    ['200 refused in body (Vonage "4")', { kind: 'response', status: 200, vendorReason: 'client_error' }, { ok: false, reason: 'http_4xx', httpStatusClass: '2xx', costMicros: 0 }],
    ['200 internal error in body (Vonage "5")', { kind: 'response', status: 200, vendorReason: 'server_error' }, { ok: false, reason: 'http_5xx', httpStatusClass: '2xx' }],
    ['timeout', { kind: 'timeout' }, { ok: false, reason: 'timeout', httpStatusClass: 'none', costMicros: 0 }],
    ['network error', { kind: 'network_error' }, { ok: false, reason: 'network_error', httpStatusClass: 'none', costMicros: 0 }],
  ])('%s', (_name, outcome, expected) => {
    const r = toSendResult('twilio', outcome, m)
    expect(r).toMatchObject({ provider: 'twilio', latencyMs: 123, ...expected })
    if (!('providerMessageId' in expected)) expect(r.providerMessageId).toBeUndefined()
    if (!('retryAfterSeconds' in expected)) expect(r.retryAfterSeconds).toBeUndefined()
  })

  it('keeps no message id or wait on results that do not call for one', () => {
    expect(toSendResult('x', { kind: 'response', status: 500, providerMessageId: 'id', retryAfterSeconds: 5 }, m)).toEqual({
      ok: false, provider: 'x', reason: 'http_5xx', httpStatusClass: '5xx', latencyMs: 123, costMicros: 0,
    })
  })
})

describe('statusClass', () => {
  it.each([[200, '2xx'], [299, '2xx'], [304, '3xx'], [404, '4xx'], [599, '5xx'], [0, 'none'], [101, 'none']] as const)('%i → %s', (s, c) => {
    expect(statusClass(s)).toBe(c)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-23T10:00:00Z')
  it.each<[string | null | undefined, number | undefined]>([
    ['1', 1],
    [' 120 ', 120],
    ['0', 0],
    ['Mon, 23 Nov 2026 10:00:30 GMT', 30],
    ['Mon, 23 Nov 2026 09:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j → %j', (v, want) => expect(parseRetryAfter(v, now)).toBe(want))
})

describe('vonageSmsVerdict', () => {
  it.each<[string | undefined, string]>([
    ['0', 'ok'],
    ['1', 'rate_limited'],
    ['5', 'server_error'],
    [undefined, 'server_error'],
    ['2', 'client_error'],
    ['4', 'client_error'],
    ['9', 'client_error'],
  ])('status %j → %s', (s, want) => expect(vonageSmsVerdict(s)).toBe(want))
})
