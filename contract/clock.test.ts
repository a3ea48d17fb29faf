import { describe, expect, it } from 'vitest'
import { manualClock, systemClock } from './clock'

describe('manualClock', () => {
  it('wakes sleepers in due order (ties in the order they slept), each at its own due time', async () => {
    const c = manualClock(1_000)
    const woke: string[] = []
    const nap = (name: string, ms: number) => c.sleep(ms).then(() => void woke.push(`${name}@${c.now()}`))
    const all = [nap('c', 300), nap('a', 100), nap('b', 200), nap('a2', 100)]
    expect(c.sleepers()).toBe(4)
    await c.advance(150)
    expect(woke).toEqual(['a@1100', 'a2@1100'])
    expect(c.now()).toBe(1_150)
    await c.advance(1_000)
    await Promise.all(all)
    expect(woke).toEqual(['a@1100', 'a2@1100', 'b@1200', 'c@1300'])
    expect([c.now(), c.sleepers()]).toEqual([2_150, 0])
  })

  it('a sleep started by a woken sleeper within the same advance wakes in it too, in order', async () => {
    const c = manualClock(0)
    const log: string[] = []
    void c.sleep(100).then(async () => {
      log.push(`first@${c.now()}`)
      await c.sleep(50)
      log.push(`chained@${c.now()}`)
    })
    void c.sleep(200).then(() => void log.push(`second@${c.now()}`))
    await c.advance(500)
    expect(log).toEqual(['first@100', 'chained@150', 'second@200'])
  })

  it('does not wake a sleeper before its time', async () => {
    const c = manualClock(0)
    let woke = false
    void c.sleep(4_000).then(() => void (woke = true))
    await c.advance(3_999)
    expect(woke).toBe(false)
    await c.advance(1)
    expect(woke).toBe(true)
  })

  it('an abort wakes the sleeper at once without moving time; zero and aborted sleeps return at once', async () => {
    const c = manualClock(0)
    const stop = new AbortController()
    const p = c.sleep(60_000, stop.signal)
    stop.abort()
    await p
    expect([c.now(), c.sleepers()]).toEqual([0, 0])
    await c.sleep(0)
    await c.sleep(10, stop.signal)
    expect(c.sleepers()).toBe(0)
  })

  it('refuses to go backwards', async () => {
    await expect(manualClock(0).advance(-1)).rejects.toThrow(/got -1/)
  })
})

describe('systemClock', () => {
  it('reads the wall clock and an abort ends a long sleep', async () => {
    const before = Date.now()
    expect(systemClock.now()).toBeGreaterThanOrEqual(before)
    const stop = new AbortController()
    const p = systemClock.sleep(60_000, stop.signal)
    stop.abort()
    await p // would time the test out if the abort did not wake it
  })
})
