import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SecretBox } from './secret-box'

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32))
  const secret = Buffer.from('12345678901234567890')

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal(secret, 'cred-1')
    expect(sealed.startsWith('v1.')).toBe(true)
    expect(sealed).not.toContain(secret.toString('base64url'))
    expect(box.seal(secret, 'cred-1')).not.toBe(sealed) // fresh IV each time
    expect(box.open(sealed, 'cred-1')).toEqual(secret)
  })

  it.each([
    ['another record id', (s: string) => s, 'cred-2'],
    ['a flipped ciphertext byte', (s: string) => { const p = s.split('.'); const b = Buffer.from(p[2], 'base64url'); b[0] ^= 1; p[2] = b.toString('base64url'); return p.join('.') }, 'cred-1'],
    ['a truncated tag', (s: string) => s.slice(0, -4), 'cred-1'],
  ])('refuses %s', (_name, tamper, id) => {
    expect(() => box.open(tamper(box.seal(secret, 'cred-1')), id)).toThrow()
  })

  it('refuses the wrong key', () => {
    expect(() => new SecretBox(randomBytes(32)).open(box.seal(secret, 'c'), 'c')).toThrow()
  })

  it('parses hex and base64 keys and names a bad one', () => {
    const key = randomBytes(32)
    expect(SecretBox.fromEnv(key.toString('hex')).open(new SecretBox(key).seal(secret, 'x'), 'x')).toEqual(secret)
    expect(SecretBox.fromEnv(key.toString('base64')).open(new SecretBox(key).seal(secret, 'x'), 'x')).toEqual(secret)
    expect(() => SecretBox.fromEnv('abcd')).toThrow(/invalid IDP_SECRET_KEY: expected 32 bytes/)
  })
})
