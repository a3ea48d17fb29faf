import { describe, expect, it } from 'vitest'
import { MfaAttributes, ATTR } from '../../contract'
import { networkOf } from './network'

describe('networkOf: a client address as its /24 or /48, never the address', () => {
  it.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['198.51.100.255', '198.51.100.0/24'],
    ['10.0.0.1', '10.0.0.0/24'],
    ['0.0.0.0', '0.0.0.0/24'],
    ['2001:db8:1:2::7', '2001:db8:1::/48'],
    ['2001:0DB8:0001:0002:0003:0004:0005:0006', '2001:db8:1::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    ['fe80::1%eth0', 'fe80:0:0::/48'],
    ['2001:db8:abcd:12::', '2001:db8:abcd::/48'],
    ['::ffff:192.0.2.77', '192.0.2.0/24'],
    ['::FFFF:198.51.100.1', '198.51.100.0/24'],
    ['::ffff:c000:24d', '192.0.2.0/24'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0::/48'],
  ])('%s → %s', (address, network) => {
    expect(networkOf(address)).toBe(network)
    expect(MfaAttributes.safeParse({ [ATTR.eventName]: 'mfa.login.started', [ATTR.network]: networkOf(address) }).success).toBe(true)
  })

  it.each([undefined, '', 'localhost', '203.0.113', '203.0.113.256', '1.2.3.4.5', '2001:db8::1::2', 'gggg::1', '2001:db8:1:2:3:4:5:6:7', ' 203.0.113.7'])('%j is no address: left out', (address) => {
    expect(networkOf(address)).toBeUndefined()
  })
})
