import { describe, expect, it } from 'vitest'
import { SilenceCreate } from '../../contract/slo'
import { ConsoleError } from './collector-client'
import { createSilence, expireSilence, formatMatcher, matchersFor, parseMatchers, silenceRequest } from './silences'

describe('parseMatchers', () => {
  it.each([
    ['alertname="VendorCircuitOpen"', [{ name: 'alertname', value: 'VendorCircuitOpen', isRegex: false, isEqual: true }]],
    ['vendor=~"twilio|vonage", severity!=ticket', [{ name: 'vendor', value: 'twilio|vonage', isRegex: true, isEqual: true }, { name: 'severity', value: 'ticket', isRegex: false, isEqual: false }]],
    ['channel !~ "sms"\nslo=mfa-success', [{ name: 'channel', value: 'sms', isRegex: true, isEqual: false }, { name: 'slo', value: 'mfa-success', isRegex: false, isEqual: true }]],
  ])('%s', (text, matchers) => expect(parseMatchers(text)).toEqual({ ok: true, matchers }))

  it.each([
    ['', /at least one matcher/],
    ['vendor', /invalid matcher "vendor"/],
    ['1abc="x"', /invalid label name "1abc"/],
    ['vendor=~"(twilio"', /invalid regular expression for vendor/],
  ])('refuses %j', (text, error) => {
    const r = parseMatchers(text)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(error)
  })

  it('round-trips through the text form and an alert\'s labels', () => {
    const text = matchersFor({ alertname: 'VendorCircuitOpen', severity: 'page', vendor: 'twilio', channel: 'sms' })
    expect(text).toBe('alertname="VendorCircuitOpen", vendor="twilio", channel="sms"')
    const r = parseMatchers(text)
    expect(r.ok && r.matchers.map(formatMatcher).join(', ')).toBe(text)
  })
})

describe('silenceRequest', () => {
  const now = new Date('2026-12-06T20:00:00Z')
  it('turns the form into the contract body, ending duration minutes from now', () => {
    const body = silenceRequest({ matchers: 'vendor="twilio"', durationMinutes: 120, comment: 'vendor incident INC-1', createdBy: 'sam' }, now)
    expect(SilenceCreate.parse(body)).toEqual(body)
    expect(body).toMatchObject({ startsAt: '2026-12-06T20:00:00.000Z', endsAt: '2026-12-06T22:00:00.000Z', createdBy: 'sam' })
  })
  it.each([
    [{ matchers: 'vendor="twilio"', durationMinutes: 60, comment: ' ', createdBy: 'sam' }, 'comment'],
    [{ matchers: 'vendor="twilio"', durationMinutes: 0, comment: 'x', createdBy: 'sam' }, 'durationMinutes'],
    [{ matchers: 'vendor="twilio"', durationMinutes: 60 * 24 * 8, comment: 'x', createdBy: 'sam' }, 'durationMinutes'],
    [{ matchers: 'nope', durationMinutes: 60, comment: 'x', createdBy: 'sam' }, 'matchers'],
    [{ matchers: 'vendor="twilio"', durationMinutes: 60, comment: 'x' }, 'createdBy'],
  ])('refuses %j naming %s', (body, parameter) => {
    expect(() => silenceRequest(body, now)).toThrow(ConsoleError)
    try {
      silenceRequest(body, now)
    } catch (e) {
      expect(e).toMatchObject({ status: 400, parameter })
    }
  })
  it('POSTs the body to the collector and answers its id; a collector 400 is the user\'s 400', async () => {
    const seen: { method?: string; body?: string }[] = []
    const ok = (async (_u: URL, init?: RequestInit) => {
      seen.push({ method: init?.method, body: String(init?.body) })
      return new Response(JSON.stringify({ id: 'sil-9' }), { status: 201 })
    }) as typeof fetch
    expect(await createSilence({ matchers: 'vendor="twilio"', durationMinutes: 30, comment: 'c', createdBy: 'sam' }, { baseUrl: 'http://c.test', fetch: ok }, now)).toEqual({ id: 'sil-9' })
    expect(seen[0].method).toBe('POST')
    expect(JSON.parse(seen[0].body!).matchers).toEqual([{ name: 'vendor', value: 'twilio', isRegex: false, isEqual: true }])
    const refuse = (async () => new Response(JSON.stringify({ error: { code: 'invalid_parameter', message: 'endsAt before startsAt', parameter: 'endsAt' } }), { status: 400 })) as typeof fetch
    await expect(createSilence({ matchers: 'vendor="twilio"', durationMinutes: 30, comment: 'c', createdBy: 'sam' }, { baseUrl: 'http://c.test', fetch: refuse }, now)).rejects.toMatchObject({ status: 400, parameter: 'endsAt' })
  })
  it('expires by id with DELETE; an unknown id is a 404, a malformed one never reaches the collector', async () => {
    const gone = (async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'no silence sil-x' } }), { status: 404 })) as typeof fetch
    await expect(expireSilence('sil-x', { baseUrl: 'http://c.test', fetch: gone })).rejects.toMatchObject({ status: 404 })
    await expect(expireSilence('../alerts', { baseUrl: 'http://c.test', fetch: gone })).rejects.toMatchObject({ status: 400, parameter: 'id' })
  })
})
