import { describe, expect, it } from 'vitest'
import { DeviceStore, type DeviceMessage, extractCode } from './devices'

const msg = (id: string, deliverAt: number): DeviceMessage => ({ id, vendor: 'twilio', channel: 'sms', text: `code ${id}`, deliverAt })

describe('extractCode', () => {
  it.each([
    ['Your FactorWatch code is 123456. It expires in 5 minutes.', '123456'],
    ['Your code is 1 2 3 4 5 6.', '123456'],
    ['482913 is your verification code', '482913'],
    ['Approve sign-in? Number 42', null],
    ['no digits', null],
  ])('%s → %s', (text, code) => expect(extractCode(text)).toBe(code))
})

describe('DeviceStore', () => {
  it('shows a message only once its delivery time has passed, newest first', () => {
    const s = new DeviceStore()
    s.add('phone', '+491', msg('a', 1_000), 0)
    s.add('phone', '+491', msg('b', 3_000), 0)
    expect(s.visible('phone', '+491', 999).map((m) => m.id)).toEqual([])
    expect(s.visible('phone', '+491', 1_000).map((m) => m.id)).toEqual(['a'])
    expect(s.visible('phone', '+491', 5_000).map((m) => m.id)).toEqual(['b', 'a'])
    expect(s.visible('mailbox', '+491', 5_000)).toEqual([])
  })

  it('keeps the last N per device, expires old ones and drops the least recently written device', () => {
    const s = new DeviceStore({ perDevice: 2, ttlMs: 10_000, maxDevices: 2 })
    for (const id of ['1', '2', '3']) s.add('phone', 'p', msg(id, 0), 0)
    expect(s.visible('phone', 'p', 0).map((m) => m.id).sort()).toEqual(['2', '3'])
    expect(s.visible('phone', 'p', 10_001)).toEqual([])
    s.add('mailbox', 'm', msg('m', 0), 0)
    s.add('push', 't', msg('t', 0), 0)
    expect(s.size).toBe(2)
    expect(s.visible('phone', 'p', 0)).toEqual([])
    s.sweep(20_000)
    expect(s.size).toBe(0)
  })
})
