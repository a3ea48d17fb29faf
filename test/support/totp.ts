import { base32Decode, hotp, stepAt } from '../../reference-idp/traffic/totp'

/**
 * RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from the traffic generator's authenticator, which is
 * written independently of the IdP's, so tests do not check the IdP against its own code.
 */
export const totpAt = (secretBase32: string, timeMs: number): string => hotp(base32Decode(secretBase32), stepAt(timeMs))
