import { describe, expect, it } from 'vitest'
import { DEFAULT_SCRYPT, hashPassword, needsRehash, scryptForCost, verifyPassword, verifyPasswordAtCost } from './password'

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
  it('an account hash older (cheaper) than the target is checked beside a dummy at the target cost, so it is not faster than an unknown address', async () => {
    const target = { ...FAST, N: 2048 }
    const weak = await hashPassword('correct horse battery', FAST)
    const current = await hashPassword('correct horse battery', target)
    const calls: number[] = []
    const spy = async (p: string, h: string) => {
      calls.push(Number(h.split('$')[1]))
      return verifyPassword(p, h)
    }
    expect(await verifyPasswordAtCost('correct horse battery', weak, target, spy)).toBe(true)
    expect(calls.sort()).toEqual([1024, 2048]) // its own check, and one at the target
    calls.length = 0
    expect(await verifyPasswordAtCost('wrong horse battery', weak, target, spy)).toBe(false)
    expect(calls.sort()).toEqual([1024, 2048])
    calls.length = 0
    expect(await verifyPasswordAtCost('correct horse battery', current, target, spy)).toBe(true)
    expect(calls).toEqual([2048])
    calls.length = 0
    expect(await verifyPasswordAtCost('correct horse battery', undefined, target, spy)).toBe(false) // no account: the dummy
    expect(calls).toEqual([2048])
  })
  it('with a pepper (ASVS 2.4.5) the stored hash is HMAC-SHA256 of the scrypt output under a key the store never holds', async () => {
    const pepper = Buffer.alloc(32, 7)
    const h = await hashPassword('correct horse battery', { ...FAST, pepper })
    expect(h).toMatch(/^scrypt\+hmac\$1024\$8\$1\$/)
    expect(await verifyPassword('correct horse battery', h, pepper)).toBe(true)
    expect(await verifyPassword('correct horse batterY', h, pepper)).toBe(false)
    expect(await verifyPassword('correct horse battery', h, Buffer.alloc(32, 8))).toBe(false)
    // Without the pepper the hash is useless (and saying so beats a silent "wrong password").
    await expect(verifyPassword('correct horse battery', h)).rejects.toThrow(/needs the pepper key/)
    const plain = h.replace('scrypt+hmac$', 'scrypt$')
    expect(await verifyPassword('correct horse battery', plain)).toBe(false)
    // An older unpeppered hash still verifies, and is due for a re-hash once a pepper is set.
    const old = await hashPassword('correct horse battery', FAST)
    expect(await verifyPassword('correct horse battery', old, pepper)).toBe(true)
    expect(needsRehash(old, { ...FAST, pepper })).toBe(true)
    expect(needsRehash(h, { ...FAST, pepper })).toBe(false)
  })
})
