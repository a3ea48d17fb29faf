import { describe, expect, it } from 'vitest'
import { cookie, parseCookies, secureCookiesFor } from './io'

describe('parseCookies', () => {
  it('ignores a cookie whose value is not valid percent-encoding and keeps the others', () => {
    expect(parseCookies('x=%; fw_session=abc%20d; y=%E0%A4%A')).toEqual({ fw_session: 'abc d' })
  })
  it('with secure cookies, reads only __Host- ones, under their plain names', () => {
    expect(parseCookies('fw_session=planted; __Host-fw_session=ours; __Host-fw_device=d', true)).toEqual({ fw_session: 'ours', fw_device: 'd' })
    expect(parseCookies('fw_session=plain', false)).toEqual({ fw_session: 'plain' })
  })
})

describe('cookie', () => {
  it('a Secure cookie is __Host- with Path=/ and no Domain', () => {
    const c = cookie('fw_session', 'v', { secure: true, maxAgeSeconds: 60 })
    expect(c).toBe('__Host-fw_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure')
    expect(c).not.toMatch(/Domain=/i)
    expect(cookie('fw_session', 'v', { secure: false })).toBe('fw_session=v; Path=/; HttpOnly; SameSite=Lax')
  })
  it.each([
    ['https://idp.example.com', true, true],
    ['http://localhost:8080', true, true],
    ['http://127.0.0.1:8080', true, true],
    ['http://[::1]:8080', true, true],
    ['http://idp.lan:8080', true, false],
    ['http://192.168.1.5:8080', true, false],
    ['http://127.0.0.1:8080', false, false],
    ['https://idp.example.com', false, true],
  ])('%s (loopback allowed: %s) → Secure __Host- cookies: %s', (url, loopback, expected) => {
    expect(secureCookiesFor(url, loopback)).toBe(expected)
  })
})
