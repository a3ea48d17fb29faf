import { isIPv4, isIPv6 } from 'node:net'

/** The hextets of an IPv6 address (8 numbers), with `::` expanded and a dotted IPv4 tail read as two. */
function hextets(address: string): number[] | undefined {
  let a = address.toLowerCase()
  const dotted = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(a)
  if (dotted) {
    const [p, q, r, s] = dotted[1].split('.').map(Number)
    a = `${a.slice(0, -dotted[1].length)}${((p << 8) | q).toString(16)}:${((r << 8) | s).toString(16)}`
  }
  const [head, tail, more] = a.split('::')
  if (more !== undefined) return undefined
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : [])
  const h = part(head)
  const t = part(tail)
  const out = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t]
  return out.length === 8 && out.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? out : undefined
}

const slash24 = (v4: string) => `${v4.split('.').slice(0, 3).map(Number).join('.')}.0/24`

/**
 * The source network of a client address as the contract's `mfa.network` (an IPv4 /24 or an
 * IPv6 /48 in CIDR form), so reports can group attacks by network without ever holding an
 * address. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is its IPv4 /24; anything that is
 * not an address gives undefined (the attribute is then left out). Pure.
 */
export function networkOf(address: string | undefined): string | undefined {
  if (!address) return undefined
  const ip = address.replace(/%.*$/, '') // an IPv6 zone (fe80::1%eth0) names an interface, not a network
  if (isIPv4(ip)) return slash24(ip)
  if (!isIPv6(ip)) return undefined
  const h = hextets(ip)
  if (!h) return undefined
  if (h.slice(0, 5).every((n) => n === 0) && h[5] === 0xffff) return `${h[6] >> 8}.${h[6] & 0xff}.${h[7] >> 8}.0/24`
  return `${h.slice(0, 3).map((n) => n.toString(16)).join(':')}::/48`
}
