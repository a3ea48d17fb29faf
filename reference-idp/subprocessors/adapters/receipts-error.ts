import type { ReceiptRequest } from './types'

/** Why a receipt webhook was refused; `malformed` is the sender's mistake (400), the rest are 403. */
export type ReceiptErrorCode =
  | 'unknown_vendor'
  | 'malformed'
  | 'no_credentials'
  | 'missing_signature'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'untrusted_certificate'
  | 'wrong_topic'

export class ReceiptError extends Error {
  constructor(
    readonly vendor: string,
    readonly code: ReceiptErrorCode,
    detail: string,
  ) {
    super(`${vendor} receipt refused: ${detail}`)
    this.name = 'ReceiptError'
  }
}

export const header = (h: ReceiptRequest['headers'], name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1]
