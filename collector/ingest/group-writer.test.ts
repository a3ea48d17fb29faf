import { describe, expect, it } from 'vitest'
import { GroupWriter } from './group-writer'

/** An insert that waits until released, recording what it was given. */
function gatedInsert() {
  const calls: number[][] = []
  const gates: { release: () => void; fail: (e: Error) => void }[] = []
  const insert = (rows: number[]) => {
    calls.push(rows)
    return new Promise<void>((resolve, reject) => gates.push({ release: resolve, fail: reject }))
  }
  return { calls, gates, insert }
}
const tick = () => new Promise((r) => setImmediate(r))

describe('GroupWriter', () => {
  it('inserts alone when idle, then merges the writes that queued behind a running insert', async () => {
    const g = gatedInsert()
    const w = new GroupWriter<number>(g.insert)
    const a = w.write([1, 2])
    const b = w.write([3])
    const c = w.write([4, 5])
    await tick()
    expect(g.calls).toEqual([[1, 2]])
    g.gates[0].release()
    await a
    await tick()
    expect(g.calls).toEqual([[1, 2], [3, 4, 5]])
    let settled = false
    void b.then(() => (settled = true))
    await tick()
    expect(settled).toBe(false) // not acknowledged before its own insert completed
    g.gates[1].release()
    await Promise.all([b, c])
  })

  it('fails every write of a failed insert and carries on with the next group', async () => {
    const g = gatedInsert()
    const w = new GroupWriter<number>(g.insert)
    const a = w.write([1])
    const b = w.write([2])
    const c = w.write([3])
    await tick()
    g.gates[0].release()
    await a
    await tick()
    g.gates[1].fail(new Error('disk full'))
    await expect(b).rejects.toThrow('disk full')
    await expect(c).rejects.toThrow('disk full')
    const d = w.write([4])
    await tick()
    expect(g.calls.at(-1)).toEqual([4])
    g.gates[2].release()
    await d
  })

  it('caps a group at maxRows but never splits one write', async () => {
    const g = gatedInsert()
    const w = new GroupWriter<number>(g.insert, 3)
    const first = w.write([0])
    const rest = [w.write([1, 2]), w.write([3, 4]), w.write([5, 6, 7, 8])]
    await tick()
    g.gates[0].release()
    await first
    for (let i = 1; i <= 3; i++) { await tick(); g.gates[i].release() }
    await Promise.all(rest)
    expect(g.calls).toEqual([[0], [1, 2], [3, 4], [5, 6, 7, 8]])
  })
})
