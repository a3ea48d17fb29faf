import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { pushSigningInput, type PushDecision } from '../../reference-idp/factors/push'
import { client } from './idp-client'
import { eventually } from './processes'

export type PushNotification = { id: string; vendor: string; data: Record<string, string>; body: string }

/**
 * A phone with the authenticator app: a push token, its own P-256 key pair, the notifications
 * the provider simulator delivered to it (each read once), and signed answers to the IdP.
 */
export function simulatedPhone(simUrl: string, idpUrl: string, platform: 'ios' | 'android' = 'android') {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const token = platform === 'ios' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(48).toString('base64url')}`
  const seen = new Set<string>()
  const app = client(idpUrl)
  return {
    platform, token,
    publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    privateKey: keys.privateKey,
    /** The next notification not read before. */
    async nextPush(): Promise<PushNotification> {
      const n = await eventually(async () => {
        const { notifications } = await (await fetch(`${simUrl}/devices/push/${token}/notifications`)).json()
        return (notifications as PushNotification[]).find((x) => !seen.has(x.id))
      }, 10_000, 25)
      seen.add(n.id)
      return n
    },
    answer(challengeId: string, number: number, decision: PushDecision = 'approved', key: KeyObject = keys.privateKey) {
      const signature = sign('sha256', pushSigningInput(challengeId, number, decision), key).toString('base64url')
      return app.post('/api/v1/push/respond', { challenge_id: challengeId, number, decision, signature })
    },
  }
}
export type SimulatedPhone = ReturnType<typeof simulatedPhone>
