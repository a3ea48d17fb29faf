import { describe, expect, it } from 'vitest'
import { parseDevicePublicKey, verifyPushSignature } from '../factors/push'
import { PushRespondInput, RegisterPushDeviceInput } from '../http/push-inputs'
import { seededRand } from '../simulator/random'
import {
  judgePush, mistypeNumber, newPushDevice, parseNotifications, PUSH_LOGIN_EVERY_MS, pushAnswer, pushReady, signPushAnswer,
  type JudgeInput, type PendingLogin, type PhonePush, type PhoneVerdict,
} from './push'

const CHALLENGE = '3f2a7c1e-9b4d-4e8a-a1f0-5c6d7e8f9a0b'

describe('the app: device and signed answers, checked with the IdP’s own code', () => {
  it.each(['ios', 'android'] as const)('a new %s install registers in the form the IdP accepts, with a P-256 key it parses', (platform) => {
    const device = newPushDevice(platform)
    expect(parseDevicePublicKey(device.publicKey).ok).toBe(true)
    expect(RegisterPushDeviceInput.safeParse({ platform, token: device.token, public_key: device.publicKey, name: 'Phone' }).success).toBe(true)
    expect(newPushDevice(platform).token).not.toBe(device.token)
  })

  it.each([
    ['approved', 42],
    ['denied', 0],
    ['fraud', 0],
  ] as const)('%s: verifyPushSignature accepts the answer, and nothing else', (decision, number) => {
    const device = newPushDevice('android')
    const body = pushAnswer(device, CHALLENGE, decision, number)
    expect(PushRespondInput.safeParse(body).success).toBe(true)
    expect(body).toMatchObject({ challenge_id: CHALLENGE, number, decision })
    expect(verifyPushSignature(device.publicKey, CHALLENGE, number, decision, body.signature)).toBe(true)
    // Any other challenge, number, decision or key: refused.
    expect(verifyPushSignature(device.publicKey, CHALLENGE.replace('3f', '4f'), number, decision, body.signature)).toBe(false)
    expect(verifyPushSignature(device.publicKey, CHALLENGE, number + 1, decision, body.signature)).toBe(false)
    expect(verifyPushSignature(device.publicKey, CHALLENGE, number, decision === 'approved' ? 'denied' : 'approved', body.signature)).toBe(false)
    expect(verifyPushSignature(newPushDevice('ios').publicKey, CHALLENGE, number, decision, body.signature)).toBe(false)
  })

  it('a denial carries no typed number; signatures are DER in base64url', () => {
    const device = newPushDevice('ios')
    expect(pushAnswer(device, CHALLENGE, 'denied', 57).number).toBe(0)
    const sig = Buffer.from(signPushAnswer(device.privateKey, CHALLENGE, 42, 'approved'), 'base64url')
    expect(sig[0]).toBe(0x30) // ASN.1 SEQUENCE{r, s}, not raw r‖s
    expect(signPushAnswer(device.privateKey, CHALLENGE, 42, 'approved')).toMatch(/^[A-Za-z0-9_-]+$/)
  })
})

describe('mistypeNumber', () => {
  it('is another two-digit number, and every other one can come out', () => {
    for (const n of [10, 11, 42, 98, 99]) {
      const seen = new Set<number>()
      for (let i = 0; i < 89; i++) seen.add(mistypeNumber(n, () => (i + 0.5) / 89))
      expect(seen.size).toBe(89)
      expect(seen.has(n)).toBe(false)
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(10)
      expect(Math.max(...seen)).toBeLessThanOrEqual(99)
    }
    expect(mistypeNumber(99, () => 0.999999)).toBe(98)
  })
})

describe('pushReady: a push login per user per 15 minutes', () => {
  it.each([
    [null, 0, true],
    [1_000, 1_000 + PUSH_LOGIN_EVERY_MS - 1, false],
    [1_000, 1_000 + PUSH_LOGIN_EVERY_MS, true],
  ])('last login %s, now %s → %s', (lastLoginAt, now, ready) => expect(pushReady({ lastLoginAt }, now)).toBe(ready))
})

describe('judgePush: the user’s own push or an unexpected one', () => {
  const T = 1_700_000_000_000
  const login = (over: Partial<PendingLogin> = {}): PendingLogin => ({ since: T, until: T + 60_000, number: 42, behaviour: 'approve', answerAt: T + 4_000, answered: false, ...over })
  const push = (receivedAt: number, kind = 'login'): PhonePush => ({ id: 'n1', challengeId: CHALLENGE, kind, receivedAt })
  const input = (over: Partial<JudgeInput> = {}): JudgeInput => ({ reactAt: T + 8_000, fraudRoll: 0.9, fraudShare: 0.3, typo: 24, skewMs: 2_000, ...over })

  it.each<[string, PhonePush, PendingLogin | null, number, Partial<JudgeInput>, PhoneVerdict]>([
    ['an enrollment push is never a sign-in', push(T + 1_000, 'enrollment'), login(), T + 5_000, {}, { act: 'ignore' }],
    ['own push, the user still thinking', push(T + 1_000), login(), T + 3_000, {}, { act: 'later' }],
    ['own push, approved with the number on the screen', push(T + 1_000), login(), T + 5_000, {}, { act: 'approve', number: 42 }],
    ['own push within the clock skew before the password step', push(T - 1_500), login(), T + 5_000, {}, { act: 'approve', number: 42 }],
    ['own push, mistyped', push(T + 1_000), login({ behaviour: 'mistype' }), T + 5_000, {}, { act: 'approve', number: 24 }],
    ['own push, the user walked away', push(T + 1_000), login({ behaviour: 'ignore' }), T + 5_000, {}, { act: 'ignore' }],
    ['no sign-in going on: unexpected, not yet noticed', push(T + 1_000), null, T + 5_000, {}, { act: 'later' }],
    ['no sign-in going on: denied once noticed', push(T + 1_000), null, T + 9_000, {}, { act: 'deny' }],
    ['no sign-in going on: reported as fraud', push(T + 1_000), null, T + 9_000, { fraudRoll: 0.1 }, { act: 'fraud' }],
    ['arrived before the user’s sign-in started', push(T - 5_000), login(), T + 9_000, {}, { act: 'deny' }],
    ['a second push after the own one was answered', push(T + 3_000), login({ answered: true }), T + 9_000, {}, { act: 'deny' }],
    ['after the user stopped waiting', push(T + 1_000), login({ until: T + 5_000 }), T + 9_000, { fraudRoll: 0.29 }, { act: 'fraud' }],
  ])('%s', (_name, p, pending, now, over, expected) => {
    expect(judgePush(p, pending, now, input(over))).toEqual(expected)
  })

  it('reports fraud for about the configured share of unexpected pushes', () => {
    const rand = seededRand(9)
    const n = 10_000
    const fraud = Array.from({ length: n }, () => judgePush(push(T), null, T + 10_000, { reactAt: T, fraudRoll: rand() })).filter((v) => v.act === 'fraud').length
    expect(Math.abs(fraud / n - 0.3)).toBeLessThan(0.03)
  })
})

describe('parseNotifications', () => {
  it('reads the simulator’s push view, oldest first, and skips what it cannot use', () => {
    const view = (id: string, at: string, data: Record<string, string>) => ({ id, vendor: 'fcm', title: 'Sign-in request', body: '…', data, receivedAt: at })
    const body = {
      notifications: [
        view('b', '2026-01-01T10:00:05.000Z', { challenge_id: 'c2', kind: 'login' }),
        view('a', '2026-01-01T10:00:01.000Z', { challenge_id: 'c1', kind: 'enrollment' }),
        view('c', 'yesterday', { challenge_id: 'c3', kind: 'login' }),
        view('d', '2026-01-01T10:00:07.000Z', {}),
        { id: 'e' },
      ],
    }
    expect(parseNotifications(body)).toEqual([
      { id: 'a', challengeId: 'c1', kind: 'enrollment', receivedAt: Date.parse('2026-01-01T10:00:01.000Z') },
      { id: 'b', challengeId: 'c2', kind: 'login', receivedAt: Date.parse('2026-01-01T10:00:05.000Z') },
    ])
    expect(parseNotifications({ messages: [] })).toBeNull()
    expect(parseNotifications(null)).toBeNull()
  })
})
