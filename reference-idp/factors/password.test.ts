import { describe, expect, it } from 'vitest'
import { DEFAULT_SCRYPT, hashPassword, needsRehash, scryptForCost, verifyPassword } from './password'

const FAST = { N: 1024, r: 8, p: 1, keyLen: 32 }

describe('password hashing', () => {
  it('verifies the right password and refuses others', async () => {
    const h = await hashPassword('correct horse battery', FAST)
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$/)
    expect(await verifyPassword('correct horse battery', h)).toBe(true)
    expect(await verifyPassword('correct horse batterY', h)).toBe(false)
    expect(await verifyPassword('', h)).toBe(false)
  })
  it('salts every hash and keeps its own parameters', async () => {
    const a = await hashPassword('same', FAST)
    const b = await hashPassword('same', { ...FAST, N: 2048 })
    expect(a).not.toBe(b)
    expect(await verifyPassword('same', b)).toBe(true)
  })
  it('treats Unicode-equivalent passwords as equal (NFKC)', async () => {
    const h = await hashPassword('caf\u00e9', FAST)
    expect(await verifyPassword('cafe\u0301', h)).toBe(true)
  })
  it('rejects a hash it does not know with a clear error', async () => {
    await expect(verifyPassword('x', 'bcrypt$2b$10$abc')).rejects.toThrow(/expected scrypt/)
  })
  it('defaults to OWASP scrypt parameters N=2^17, r=8, p=1 (ASVS 2.4.1/2.4.5 want a tuned memory-hard hash)', () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 131072, r: 8, p: 1, keyLen: 32 })
    expect(scryptForCost(14).N).toBe(16384)
    expect(() => scryptForCost(12)).toThrow(/expected log2 N from 14 to 20/)
  })
  it('a 2^17 hash is made and verified (maxmem allows 128 MiB)', async () => {
    const h = await hashPassword('correct horse battery')
    expect(h).toMatch(/^scrypt\$131072\$8\$1\$/)
    expect(await verifyPassword('correct horse battery', h)).toBe(true)
    expect(needsRehash(h)).toBe(false)
  })
  it.each([
    ['scrypt$16384$8$1$c2FsdA==$' + Buffer.alloc(32).toString('base64'), true],
    ['scrypt$131072$8$1$c2FsdA==$' + Buffer.alloc(32).toString('base64'), false],
    ['scrypt$262144$8$1$c2FsdA==$' + Buffer.alloc(32).toString('base64'), false],
    ['scrypt$131072$4$1$c2FsdA==$' + Buffer.alloc(32).toString('base64'), true],
  ])('needsRehash(%s) against the default → %s', (stored, expected) => expect(needsRehash(stored)).toBe(expected))
})
