import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './password'

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
})
