import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode, hotp, type TotpAlgorithm, verifyTotp } from './totp'

// RFC 6238 appendix B: seeds are ASCII "1234567890" repeated to the hash's key size.
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890'),
  SHA256: Buffer.from('12345678901234567890123456789012'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
}
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
]

describe('RFC 6238 appendix B', () => {
  it.each(VECTORS)('T=%i', (t, sha1, sha256, sha512) => {
    const step = Math.floor(t / 30)
    expect(hotp(SEEDS.SHA1, step, 'SHA1', 8)).toBe(sha1)
    expect(hotp(SEEDS.SHA256, step, 'SHA256', 8)).toBe(sha256)
    expect(hotp(SEEDS.SHA512, step, 'SHA512', 8)).toBe(sha512)
  })
})

describe('verifyTotp', () => {
  const secret = SEEDS.SHA1
  const now = 1111111111_000
  const step = Math.floor(now / 30_000)
  const code = (s: number) => hotp(secret, s, 'SHA1', 6)
  it.each([
    ['current step', code(step), null, { ok: true, step }],
    ['one step behind (drift)', code(step - 1), null, { ok: true, step: step - 1 }],
    ['one step ahead (drift)', code(step + 1), null, { ok: true, step: step + 1 }],
    ['two steps behind', code(step - 2), null, { ok: false, reason: 'invalid_code' }],
    ['replay of the accepted step', code(step), step, { ok: false, reason: 'code_replayed' }],
    ['older step after a newer one', code(step - 1), step, { ok: false, reason: 'code_replayed' }],
    ['next step after an accepted one', code(step + 1), step, { ok: true, step: step + 1 }],
    ['wrong length', '12345', null, { ok: false, reason: 'invalid_code' }],
    ['not digits', 'abcdef', null, { ok: false, reason: 'invalid_code' }],
  ])('%s', (_name, c, last, expected) => {
    expect(verifyTotp(secret, c as string, now, last as number | null)).toEqual(expected)
  })
})

it('base32 round-trips', () => {
  const b = Buffer.from('any secret bytes!!')
  expect(base32Decode(base32Encode(b))).toEqual(b)
  expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI')
})

describe('interop with Debian oathtool', async () => {
  const { spawnSync } = await import('node:child_process')
  const { totp, newTotpSecret } = await import('./totp')
  const has = spawnSync('oathtool', ['--version']).status === 0
  if (!has && process.env.CI === 'true') throw new Error('missing prerequisite under CI=true: oathtool (apt-get install oathtool)')
  it.runIf(has)('oathtool --totp computes the same code for the same base32 secret', () => {
    for (const algo of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const secret = newTotpSecret(algo)
      const now = Date.now()
      const r = spawnSync('oathtool', [`--totp=${algo.toLowerCase()}`, '-b', '--digits=8', `--now=${new Date(now).toISOString().replace('T', ' ').slice(0, 19)} UTC`, base32Encode(secret)], { encoding: 'utf8' })
      expect(r.stdout.trim()).toBe(totp(secret, now, { algorithm: algo, digits: 8, periodSeconds: 30, window: 1 }))
    }
  })
})
