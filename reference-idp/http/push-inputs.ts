import { z } from 'zod'
import { Id } from './inputs'

/** Request shapes of the push API; the service checks the key and the signature, these the form. */
const DeviceName = z.string().trim().min(1, 'name is required').max(64, 'name must be at most 64 characters')
/** Base64 DER SubjectPublicKeyInfo of a P-256 key: 91 bytes, 124 characters; some slack for other encoders. */
const PublicKey = z.string().trim().min(80, 'expected a base64 P-256 SubjectPublicKeyInfo').max(256, 'public key too long').regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64')

/** The code of a pairing QR code: lets the phone's app register without a session on the phone. */
const PairingCode = z.string().trim().regex(/^[A-Za-z0-9_-]{22}$/, 'expected the pairing code from the QR code (22 characters)').optional()
export const RegisterPushDeviceInput = z.discriminatedUnion('platform', [
  z.object({ platform: z.literal('ios'), token: z.string().trim().regex(/^[0-9a-fA-F]{64,200}$/, 'expected an APNs device token: 64-200 hex digits'), public_key: PublicKey, name: DeviceName.default('iPhone'), pairing_code: PairingCode }),
  z.object({ platform: z.literal('android'), token: z.string().trim().min(20, 'expected an FCM registration token').max(4096, 'token too long').regex(/^[A-Za-z0-9_:.-]+$/, 'expected an FCM registration token'), public_key: PublicKey, name: DeviceName.default('Android phone'), pairing_code: PairingCode }),
], 'expected platform ios or android')
export const PairingStatusInput = z.object({ pairing_id: Id })
export const VerifyPushDeviceInput = z.object({ device_id: Id })
export const LoginPushInput = z.object({ flow_id: Id })
export const PushRespondInput = z.object({
  challenge_id: Id,
  /** The number the user typed (any value for a denial or a fraud report: it is signed, not matched). */
  number: z.number().int('expected a whole number').min(0).max(99),
  decision: z.enum(['approved', 'denied', 'fraud'], 'expected approved, denied or fraud'),
  /** ECDSA P-256 / SHA-256 over `${challenge_id}.${number}.${decision}`, DER, base64url. */
  signature: z.string().min(8).max(200).regex(/^[A-Za-z0-9_+/-]+={0,2}$/, 'expected a base64url signature'),
})
