import { afterEach, describe, expect, it } from 'vitest'
import { ReceiptDispatcher } from './receipts'
import { systemClock } from '../../contract/clock'

describe('ReceiptDispatcher', () => {
  let dispatcher: ReceiptDispatcher | undefined
  afterEach(() => dispatcher?.close())

  it('holds hundreds of pending receipts on its one stop signal without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    try {
      dispatcher = new ReceiptDispatcher({
        timeScale: 1, retryDelaysMs: [], requestTimeoutMs: 1000, batchWindowMs: 1000,
        onResult: () => {}, log: () => {}, clock: systemClock,
      })
      for (let i = 0; i < 300; i++) dispatcher.schedule('twilio', 'http://127.0.0.1:9/none', `SM${i}`, [{ offsetMs: 60_000, encoding: 'form', payload: { MessageStatus: 'delivered' } }])
      // Node emits the warning on the next tick after the 11th listener.
      await new Promise((r) => setTimeout(r, 50))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([])
  })
})
