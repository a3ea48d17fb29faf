import { createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path'
import type { IdpConfig } from './config'
import { parseKey32 as parseKey, SecretBox } from './factors/secret-box'

export interface IdpKeys {
  box: SecretBox
  /** `mfa.user_hash`: HMAC-SHA256 of the user id, 128 bits as hex. Stable per key, never reversible. */
  userHash(userId: string): string
  /** Keyed MAC of a low-entropy value (one-time codes, phone numbers): useless to whoever reads only the store. */
  mac(purpose: string, value: string): string
  /**
   * Blind index of an e-mail address (lookup and uniqueness without the plaintext): HMAC-SHA256
   * of the normalised address under its own key, derived by HKDF-SHA256 from the user-hash key.
   */
  emailIndex(email: string): string
  /** The password pepper (ASVS 2.4.5): HKDF-SHA256 of the secret key; it never enters the store. */
  passwordPepper: Buffer
  /** Where the keys came from, for the start-up line (never the keys themselves). */
  source: 'environment' | 'key-file' | 'dev-file' | 'generated' | 'ephemeral'
}

export interface KeyOptions {
  secretKey?: string
  userHashKey?: string
  /** IDP_KEY_FILE: JSON `{"secretKey","userHashKey"}` kept outside the data directory. */
  keyFile?: string
  /** IDP_DEV_KEYS=on: generate missing keys (development and the demo only). */
  devKeys?: boolean
  dataDir: string
}

export const normaliseEmail = (email: string): string => email.normalize('NFKC').trim().toLowerCase()

/** Where dev mode keeps generated keys: `keys/<name>.json` beside the data directory (`.data/idp` → `.data/keys/idp.json`). */
export function devKeyFile(dataDir: string): string {
  const dir = resolve(dataDir)
  return join(dirname(dir), 'keys', `${basename(dir)}.json`)
}

export const NO_KEYS_MESSAGE =
  'no keys configured: set IDP_SECRET_KEY and IDP_USER_HASH_KEY (32 random bytes each, e.g. `openssl rand -hex 32`), ' +
  'or IDP_KEY_FILE pointing at a JSON key file outside the data directory; for local development only, IDP_DEV_KEYS=on generates them'

const inside = (file: string, dir: string) => {
  const rel = relative(resolve(dir), resolve(file))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

function writeKeyFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writeFileSync(file, JSON.stringify({ secretKey: randomBytes(32).toString('hex'), userHashKey: randomBytes(32).toString('hex') }), { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
}

function readKeyFile(file: string): { secret: Buffer; hashKey: Buffer } {
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { secretKey?: string; userHashKey?: string }
  return { secret: parseKey(stored.secretKey ?? '', `secretKey in ${file}`), hashKey: parseKey(stored.userHashKey ?? '', `userHashKey in ${file}`) }
}

/**
 * Keys never live beside the data they protect (ASVS 2.8.x / 6.4: a copy of the store or of its
 * backup must not carry its own keys). In order: both environment variables; IDP_KEY_FILE; a
 * `memory://` store's throwaway keys; with IDP_DEV_KEYS=on a generated dev key file outside the
 * data directory. Anything else refuses to start with NO_KEYS_MESSAGE.
 */
export function loadKeys(o: KeyOptions): IdpKeys {
  const memory = o.dataDir === 'memory://'
  let secret: Buffer
  let hashKey: Buffer
  let source: IdpKeys['source']
  if (o.secretKey || o.userHashKey) {
    if (!o.secretKey || !o.userHashKey) throw new Error(`set both IDP_SECRET_KEY and IDP_USER_HASH_KEY: got only ${o.secretKey ? 'IDP_SECRET_KEY' : 'IDP_USER_HASH_KEY'}`)
    secret = parseKey(o.secretKey, 'IDP_SECRET_KEY')
    hashKey = parseKey(o.userHashKey, 'IDP_USER_HASH_KEY')
    source = 'environment'
  } else if (o.keyFile) {
    if (!memory && inside(o.keyFile, o.dataDir)) throw new Error(`IDP_KEY_FILE ${o.keyFile} is inside the data directory ${o.dataDir}: keep keys apart from the data they protect`)
    source = 'key-file'
    if (!existsSync(o.keyFile)) {
      if (!o.devKeys) throw new Error(`IDP_KEY_FILE ${o.keyFile} does not exist (IDP_DEV_KEYS=on would generate it)`)
      writeKeyFile(o.keyFile)
      source = 'generated'
    }
    ;({ secret, hashKey } = readKeyFile(o.keyFile))
  } else if (memory) {
    secret = randomBytes(32)
    hashKey = randomBytes(32)
    source = 'ephemeral'
  } else if (o.devKeys) {
    const file = devKeyFile(o.dataDir)
    source = 'dev-file'
    if (!existsSync(file)) {
      // Keys an older version generated inside the data directory move out, so its data still opens.
      const legacy = join(o.dataDir, 'keys.json')
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
      if (existsSync(legacy)) renameSync(legacy, file)
      else {
        writeKeyFile(file)
        source = 'generated'
      }
      chmodSync(file, 0o600)
    }
    ;({ secret, hashKey } = readKeyFile(file))
  } else {
    const legacy = join(o.dataDir, 'keys.json')
    throw new Error(existsSync(legacy) ? `${NO_KEYS_MESSAGE} (keys an older version generated are in ${legacy}: move that file out of the data directory and set IDP_KEY_FILE to it)` : NO_KEYS_MESSAGE)
  }
  const k = hashKey
  const indexKey = Buffer.from(hkdfSync('sha256', hashKey, Buffer.alloc(0), 'factorwatch/email-index/v1', 32))
  const passwordPepper = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'factorwatch/password-pepper/v1', 32))
  return {
    box: new SecretBox(secret),
    userHash: (userId) => createHmac('sha256', k).update(userId).digest('hex').slice(0, 32),
    mac: (purpose, value) => createHmac('sha256', k).update(`${purpose}\0${value}`).digest('hex'),
    emailIndex: (email) => createHmac('sha256', indexKey).update(normaliseEmail(email)).digest('hex'),
    passwordPepper,
    source,
  }
}

/** Keys for this configuration, saying (never showing) where they came from. */
export function keysFor(config: IdpConfig, log: (line: string) => void): IdpKeys {
  const keys = loadKeys({ secretKey: config.secretKey, userHashKey: config.userHashKey, keyFile: config.keyFile, devKeys: config.devKeys === 'on', dataDir: config.dataDir })
  const where = config.keyFile ?? devKeyFile(config.dataDir)
  if (keys.source === 'generated') log(`keys: DEVELOPMENT keys generated in ${where} (mode 0600); set IDP_SECRET_KEY and IDP_USER_HASH_KEY or IDP_KEY_FILE in production`)
  if (keys.source === 'dev-file') log(`keys: DEVELOPMENT keys from ${where}`)
  if (keys.source === 'ephemeral') log('keys: throwaway keys for a memory:// store')
  // Mounted secrets are often 0644; say so rather than refuse (the operator owns that choice).
  if (keys.source !== 'environment' && keys.source !== 'ephemeral' && (statSync(where).mode & 0o077) !== 0) {
    log(`keys: WARNING ${where} can be read by other users (mode ${(statSync(where).mode & 0o777).toString(8)}); chmod 600 it`)
  }
  return keys
}
