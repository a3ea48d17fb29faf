import { describe, expect, it } from 'vitest'
import { DEFAULT_RECEIPT_POLICY as P, deliveryOutcome } from './receipts'

describe('deliveryOutcome', () => {
  it.each([
    ['delivered', 4_000, { outcome: 'success', reason: 'delivered' }],
    ['delivered', P.lateMs, { outcome: 'success', reason: 'delivered' }],
    ['delivered', P.lateMs + 1, { outcome: 'success', reason: 'late' }],
    ['failed', 2_000, { outcome: 'failure', reason: 'failed' }],
    ['undeliverable', 2_000, { outcome: 'failure', reason: 'undeliverable' }],
    ['never', 0, { outcome: 'timeout', reason: 'never_receipted' }],
  ] as const)('%s after %i ms → %j', (status, ms, expected) => expect(deliveryOutcome(status, ms, P)).toEqual(expected))
})
