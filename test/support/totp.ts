import { base32Decode, hotp, stepAt } from '../../reference-idp/traffic/totp'

/**
 * RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from the traffic generator's authenticator, which is
 * written independently of the IdP's, so tests do not check the IdP against its own code.
 */
export const totpAt = (secretBase32: string, timeMs: number): string => hotp(base32Decode(secretBase32), stepAt(timeMs))

/** The 30-s TOTP step a time falls in (codes are single-use per step: the IdP refuses a step at or before the last one accepted). */
export const totpStep = (timeMs: number): number => stepAt(timeMs)
/** How far `timeMs` is from the first moment of the next TOTP step. */
export const msToNextTotpStep = (timeMs: number): number => (stepAt(timeMs) + 1) * 30_000 - timeMs
