import { randomInt } from 'node:crypto'

/**
 * One-time codes sent out of band (SMS, voice, e-mail): pure policy. Codes are 6 digits,
 * stored only as a keyed MAC, live 5 minutes, allow 5 tries each, and sending is limited by a
 * resend cooldown and hourly quotas per user and per address (SMS pumping and bombing).
 */
export interface OobPolicy {
  codeTtlMs: number
  maxAttemptsPerCode: number
  resendCooldownMs: number
  maxSendsPerUserPerHour: number
  maxSendsPerAddressPerHour: number
}

export const DEFAULT_OOB_POLICY: OobPolicy = {
  codeTtlMs: 5 * 60_000,
  maxAttemptsPerCode: 5,
  resendCooldownMs: 30_000,
  maxSendsPerUserPerHour: 10,
  maxSendsPerAddressPerHour: 10,
}

export const newOobCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0')

export interface SendHistory {
  lastSentAt: Date | null
  sentByUserLastHour: number
  sentToAddressLastHour: number
}

export type SendDecision = { ok: true } | { ok: false; reason: 'cooldown' | 'user_quota' | 'address_quota'; retryAfterSeconds: number }

export function decideSend(h: SendHistory, now: Date, p: OobPolicy = DEFAULT_OOB_POLICY): SendDecision {
  if (h.lastSentAt) {
    const wait = h.lastSentAt.getTime() + p.resendCooldownMs - now.getTime()
    if (wait > 0) return { ok: false, reason: 'cooldown', retryAfterSeconds: Math.ceil(wait / 1000) }
  }
  // The hour is a sliding window; the oldest send in it leaves within the hour, so say so.
  if (h.sentByUserLastHour >= p.maxSendsPerUserPerHour) return { ok: false, reason: 'user_quota', retryAfterSeconds: 3600 }
  if (h.sentToAddressLastHour >= p.maxSendsPerAddressPerHour) return { ok: false, reason: 'address_quota', retryAfterSeconds: 3600 }
  return { ok: true }
}

export interface OobCodeState { expiresAt: Date; attempts: number; usedAt: Date | null }

export type OobCheck = { ok: true } | { ok: false; reason: 'invalid_code' | 'code_expired' | 'code_replayed' | 'too_many_attempts' }

/** Check a typed code against the latest code sent (`matches` = its MAC equals the stored one). */
export function decideOobCheck(code: OobCodeState | undefined, matches: boolean, now: Date, p: OobPolicy = DEFAULT_OOB_POLICY): OobCheck {
  if (!code) return { ok: false, reason: 'invalid_code' }
  if (code.usedAt) return { ok: false, reason: 'code_replayed' }
  if (code.attempts >= p.maxAttemptsPerCode) return { ok: false, reason: 'too_many_attempts' }
  if (code.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'code_expired' }
  return matches ? { ok: true } : { ok: false, reason: 'invalid_code' }
}

/** How the address is shown back to its owner: enough to recognise, not enough to use. */
export function addressHint(channel: 'sms' | 'voice' | 'email', address: string): string {
  if (channel === 'email') {
    const [local, domain] = address.split('@')
    return `${local.slice(0, 1)}•••@${domain ?? ''}`
  }
  return `•••• ${address.slice(-2)}`
}
