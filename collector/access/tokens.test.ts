import { describe, expect, it } from 'vitest'
import { TokenTable, bearerToken } from './tokens'

describe('TokenTable', () => {
  const t = new TokenTable(new Map([['viewer-token-0123456789', 'viewer'], ['admin-token-0123456789ab', 'admin']]))
  it('finds exact tokens only', () => {
    expect(t.lookup('viewer-token-0123456789')).toBe('viewer')
    expect(t.lookup('admin-token-0123456789ab')).toBe('admin')
    for (const near of ['viewer-token-012345678', 'viewer-token-01234567890', 'VIEWER-token-0123456789', '', 'x']) expect(t.lookup(near), near).toBeUndefined()
  })
  it('an empty table finds nothing', () => {
    expect(new TokenTable(new Map()).lookup('anything')).toBeUndefined()
    expect(new TokenTable(new Map()).size).toBe(0)
  })
})

describe('bearerToken', () => {
  it.each([
    [undefined, { kind: 'none' }],
    ['', { kind: 'none' }],
    ['Bearer abc.def-ghi', { kind: 'token', token: 'abc.def-ghi' }],
    ['bearer abc', { kind: 'token', token: 'abc' }],
    ['Basic dXNlcjpwYXNz', { kind: 'malformed' }],
    ['Bearer', { kind: 'malformed' }],
    ['Bearer a b', { kind: 'malformed' }],
    [['Bearer a', 'Bearer b'], { kind: 'malformed' }],
  ] as const)('%j → %j', (header, want) => {
    expect(bearerToken(header as string | string[] | undefined)).toEqual(want)
  })
})
