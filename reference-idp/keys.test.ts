import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from './config'
import { devKeyFile, keysFor, loadKeys, NO_KEYS_MESSAGE } from './keys'

const root = mkdtempSync(join(tmpdir(), 'fw-keys-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const dataDir = () => join(root, `case${++n}`, 'idp')
const hex = () => randomBytes(32).toString('hex')

describe('IdP keys never live in the data directory (ASVS 2.4.5, 6.4.1)', () => {
  it('without keys and without dev mode, refuses with a message naming what to set', () => {
    const dir = dataDir()
    expect(() => loadKeys({ dataDir: dir })).toThrow(NO_KEYS_MESSAGE)
    expect(NO_KEYS_MESSAGE).toMatch(/IDP_SECRET_KEY and IDP_USER_HASH_KEY/)
    expect(NO_KEYS_MESSAGE).toMatch(/IDP_KEY_FILE/)
    expect(NO_KEYS_MESSAGE).toMatch(/IDP_DEV_KEYS=on/)
    expect(existsSync(dir)).toBe(false) // nothing written
  })

  it('takes both keys from the environment; one alone is an error', () => {
    const a = loadKeys({ dataDir: dataDir(), secretKey: hex(), userHashKey: hex() })
    expect(a.source).toBe('environment')
    expect(() => loadKeys({ dataDir: dataDir(), secretKey: hex() })).toThrow(/set both IDP_SECRET_KEY and IDP_USER_HASH_KEY: got only IDP_SECRET_KEY/)
  })

  it('dev mode generates a 0600 key file beside the data directory, not in it, and reuses it', () => {
    const dir = dataDir()
    const a = loadKeys({ dataDir: dir, devKeys: true })
    const file = devKeyFile(dir)
    expect(file).toBe(join(dir, '..', 'keys', 'idp.json'))
    expect(file.startsWith(dir)).toBe(false)
    expect(a.source).toBe('generated')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(existsSync(join(dir, 'keys.json'))).toBe(false)
    const b = loadKeys({ dataDir: dir, devKeys: true })
    expect(b.source).toBe('dev-file')
    expect(b.userHash('u1')).toBe(a.userHash('u1'))
    expect(b.emailIndex('A@Example.test')).toBe(a.emailIndex('a@example.test'))
    expect(b.box.open(a.box.seal(Buffer.from('x'), 'r'), 'r').toString()).toBe('x')
  })

  it('keys an older version wrote into the data directory move out in dev mode, and block a production start', () => {
    const dir = dataDir()
    mkdirSync(dir, { recursive: true })
    const legacy = { secretKey: hex(), userHashKey: hex() }
    writeFileSync(join(dir, 'keys.json'), JSON.stringify(legacy))
    expect(() => loadKeys({ dataDir: dir })).toThrow(/move that file out of the data directory and set IDP_KEY_FILE/)
    const moved = loadKeys({ dataDir: dir, devKeys: true })
    expect(existsSync(join(dir, 'keys.json'))).toBe(false)
    expect(moved.userHash('u1')).toBe(loadKeys({ dataDir: dataDir(), ...legacy }).userHash('u1'))
  })

  it('IDP_KEY_FILE: read when present, refused inside the data directory or when missing (unless dev mode)', () => {
    const dir = dataDir()
    const file = join(root, `kf${n}.json`)
    expect(() => loadKeys({ dataDir: dir, keyFile: file })).toThrow(/does not exist/)
    expect(() => loadKeys({ dataDir: dir, keyFile: join(dir, 'k.json') })).toThrow(/inside the data directory/)
    writeFileSync(file, JSON.stringify({ secretKey: hex(), userHashKey: hex() }), { mode: 0o600 })
    expect(loadKeys({ dataDir: dir, keyFile: file }).source).toBe('key-file')
    const lines: string[] = []
    keysFor(loadIdpConfig({ IDP_DATA_DIR: dir, IDP_KEY_FILE: file }), (l) => lines.push(l))
    expect(lines).toEqual([])
    chmodSync(file, 0o644)
    keysFor(loadIdpConfig({ IDP_DATA_DIR: dir, IDP_KEY_FILE: file }), (l) => lines.push(l))
    expect(lines).toEqual([`keys: WARNING ${file} can be read by other users (mode 644); chmod 600 it`])
  })

  it('the e-mail index key is its own (HKDF): the index is no user hash, and normalises the address', () => {
    const k = loadKeys({ dataDir: 'memory://' })
    expect(k.source).toBe('ephemeral')
    expect(k.emailIndex(' Bob@Example.TEST ')).toBe(k.emailIndex('bob@example.test'))
    expect(k.emailIndex('bob@example.test')).toMatch(/^[0-9a-f]{64}$/)
    expect(k.emailIndex('bob@example.test').slice(0, 32)).not.toBe(k.userHash('bob@example.test'))
    expect(k.emailIndex('bob@example.test')).not.toBe(k.mac('email', 'bob@example.test'))
    expect(k.passwordPepper).toHaveLength(32)
    expect(loadKeys({ dataDir: 'memory://' }).passwordPepper.equals(k.passwordPepper)).toBe(false)
  })
})
