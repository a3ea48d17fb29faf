import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server'

/**
 * A software FIDO2 authenticator for tests: ES256 keys, `none` attestation, a signature
 * counter we can rewind, and knobs to drop user verification or forge a signature. It
 * builds exactly what a browser would send, so the server-side library checks it for real.
 */

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n])
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff])
  const b = Buffer.alloc(5)
  b[0] = (major << 5) | 26
  b.writeUInt32BE(n, 1)
  return b
}

/** The CBOR subset WebAuthn needs: unsigned and negative ints, byte and text strings, maps. */
export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v)
  if (typeof v === 'string') return Buffer.concat([head(3, Buffer.byteLength(v)), Buffer.from(v)])
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v])
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, val]) => [cbor(k), cbor(val)])])
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest()
const b64 = (b: Buffer) => b.toString('base64url')
const FLAG = { up: 0x01, uv: 0x04, at: 0x40 }

interface Held { id: Buffer; key: KeyObject; cose: Buffer; counter: number; counting: boolean; rpId: string; userHandle: string }

export interface CeremonyOptions {
  origin: string
  /** User verification (PIN, biometrics) performed; default true. */
  uv?: boolean
}

export function softAuthenticator() {
  const held: Held[] = []
  const clientData = (type: string, challenge: string, origin: string) => Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  const counterBytes = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(n)
    return b
  }

  return {
    held,
    /** navigator.credentials.create(); `counting: false` is an authenticator that always reports 0. */
    create(options: PublicKeyCredentialCreationOptionsJSON, o: CeremonyOptions & { counting?: boolean }): RegistrationResponseJSON {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const jwk = publicKey.export({ format: 'jwk' })
      const cose = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]))
      const id = randomBytes(16)
      const cred: Held = { id, key: privateKey, cose, counter: 0, counting: o.counting ?? true, rpId: options.rp.id!, userHandle: options.user.id }
      held.push(cred)
      const idLen = Buffer.from([id.length >> 8, id.length & 0xff])
      const authData = Buffer.concat([sha256(cred.rpId), Buffer.from([FLAG.up | (o.uv === false ? 0 : FLAG.uv) | FLAG.at]), counterBytes(0), Buffer.alloc(16), idLen, id, cose])
      const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
      return {
        id: b64(id), rawId: b64(id), type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
        response: { clientDataJSON: b64(clientData('webauthn.create', options.challenge, o.origin)), attestationObject: b64(attestationObject), transports: ['internal'] },
      }
    },

    /**
     * navigator.credentials.get(): the first held credential the options allow (any for this
     * RP when the allow-list is empty). `counter` forces the signature counter (a clone);
     * `forge` signs with a key that is not the credential's.
     */
    get(options: PublicKeyCredentialRequestOptionsJSON, o: CeremonyOptions & { credentialId?: string; counter?: number; forge?: boolean }): AuthenticationResponseJSON {
      const allowed = (options.allowCredentials ?? []).map((c) => c.id)
      const cred = held.find((c) => c.rpId === options.rpId && (o.credentialId ? b64(c.id) === o.credentialId : allowed.length === 0 || allowed.includes(b64(c.id))))
      if (!cred) throw new Error('NotAllowedError: no credential for these options')
      if (o.counter === undefined && cred.counting) cred.counter++
      const counter = o.counter ?? (cred.counting ? cred.counter : 0)
      const authData = Buffer.concat([sha256(cred.rpId), Buffer.from([FLAG.up | (o.uv === false ? 0 : FLAG.uv)]), counterBytes(counter)])
      const cdj = clientData('webauthn.get', options.challenge, o.origin)
      const key = o.forge ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : cred.key
      const signature = sign('sha256', Buffer.concat([authData, sha256(cdj)]), key)
      return {
        id: b64(cred.id), rawId: b64(cred.id), type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
        response: { clientDataJSON: b64(cdj), authenticatorData: b64(authData), signature: b64(signature), userHandle: allowed.length === 0 ? cred.userHandle : undefined },
      }
    },
  }
}
export type SoftAuthenticator = ReturnType<typeof softAuthenticator>
