import { createHmac, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { IdpConfig } from './config'
import { parseKey32 as parseKey, SecretBox } from './factors/secret-box'

export interface IdpKeys {
  box: SecretBox
  /** `mfa.user_hash`: HMAC-SHA256 of the user id, 128 bits as hex. Stable per key, never reversible. */
  userHash(userId: string): string
  /** Keyed MAC of a low-entropy value (one-time codes, phone numbers): useless to whoever reads only the store. */
  mac(purpose: string, value: string): string
  /** Where the keys came from, for the start-up line (never the keys themselves). */
  source: 'environment' | 'generated' | 'data-dir' | 'ephemeral'
}

/**
 * Keys from the environment when set; otherwise generated once and kept (mode 0600) in the
 * data directory so secrets and user hashes survive restarts. A `memory://` store gets
 * throwaway keys, as its data is throwaway too.
 */
export function loadKeys(o: { secretKey?: string; userHashKey?: string; dataDir: string }): IdpKeys {
  let secret = o.secretKey ? parseKey(o.secretKey, 'IDP_SECRET_KEY') : undefined
  let hashKey = o.userHashKey ? parseKey(o.userHashKey, 'IDP_USER_HASH_KEY') : undefined
  let source: IdpKeys['source'] = 'environment'
  if (!secret || !hashKey) {
    if (o.dataDir === 'memory://') {
      source = 'ephemeral'
    } else {
      const file = join(o.dataDir, 'keys.json')
      let stored: { secretKey?: string; userHashKey?: string } = {}
      if (existsSync(file)) {
        stored = JSON.parse(readFileSync(file, 'utf8'))
        source = 'data-dir'
      } else {
        stored = { secretKey: randomBytes(32).toString('hex'), userHashKey: randomBytes(32).toString('hex') }
        mkdirSync(o.dataDir, { recursive: true })
        writeFileSync(file, JSON.stringify(stored), { mode: 0o600 })
        chmodSync(file, 0o600)
        source = 'generated'
      }
      secret ??= parseKey(stored.secretKey ?? '', `secretKey in ${file}`)
      hashKey ??= parseKey(stored.userHashKey ?? '', `userHashKey in ${file}`)
    }
    secret ??= randomBytes(32)
    hashKey ??= randomBytes(32)
  }
  const k = hashKey
  return {
    box: new SecretBox(secret),
    userHash: (userId) => createHmac('sha256', k).update(userId).digest('hex').slice(0, 32),
    mac: (purpose, value) => createHmac('sha256', k).update(`${purpose}\0${value}`).digest('hex'),
    source,
  }
}

/** Keys for this configuration, saying (never showing) where they came from. */
export function keysFor(config: IdpConfig, log: (line: string) => void): IdpKeys {
  const keys = loadKeys({ secretKey: config.secretKey, userHashKey: config.userHashKey, dataDir: config.dataDir })
  if (keys.source === 'generated') log(`keys: generated and stored in ${config.dataDir}/keys.json (set IDP_SECRET_KEY and IDP_USER_HASH_KEY in production)`)
  if (keys.source === 'ephemeral') log('keys: throwaway keys for a memory:// store')
  return keys
}
