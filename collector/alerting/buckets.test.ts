import { describe, expect, it } from 'vitest'
import { BucketStore } from './buckets'

describe('BucketStore', () => {
  const rows = [
    { b: 0, user_group: 'admin', t0: 10, b0: 1, t1: 5, b1: 0 },
    { b: 60, user_group: 'admin', t0: 10, b0: 2, t1: 5, b1: 5 },
    { b: 60, user_group: 'customer', t0: '100', b0: '3', t1: 0, b1: 0 },
    { b: 120, user_group: 'customer', t0: 100, b0: 0, t1: 0, b1: 0 },
  ]
  it('sums windows per group and over all groups', () => {
    const s = new BucketStore(2, 60)
    s.replaceFrom(0, rows)
    const w = s.windowTotals(120, { '1m': 60, '2m': 120 })
    expect(w['1m']['*'][0]).toEqual({ total: 210, good: 205 })
    expect(w['1m'].admin[1]).toEqual({ total: 5, good: 0 })
    expect(w['2m']['*'][0]).toEqual({ total: 220, good: 214 })
    expect(w['2m'].customer[0]).toEqual({ total: 200, good: 197 })
  })
  it('re-reading recent buckets replaces them; pruning drops old ones', () => {
    const s = new BucketStore(2, 60)
    s.replaceFrom(0, rows)
    s.replaceFrom(120, [{ b: 120, user_group: 'customer', t0: 1, b0: 1, t1: 0, b1: 0 }])
    expect(s.windowTotals(120, { '0': 0 })['0']['*'][0]).toEqual({ total: 1, good: 0 })
    s.prune(60)
    expect(s.size).toBe(2)
    expect(s.series(0, 0, 1000)).toEqual([{ b: 60, total: 110, bad: 5 }, { b: 120, total: 1, bad: 1 }])
  })
})

describe('BucketStore folding', () => {
  it('minutes that age out are folded into their hours; addColumns maps a source’s columns to SLO indices', () => {
    const minutes = new BucketStore(2, 60)
    minutes.replaceFrom(0, [{ b: 3540, user_group: 'admin', t0: 1, b0: 1, t1: 2, b1: 0 }, { b: 3600, user_group: 'admin', t0: 5, b0: 0, t1: 0, b1: 0 }])
    const hours = new BucketStore(2, 3600)
    hours.addColumns([{ b: 0, user_group: 'admin', t0: 10, b0: 2 }], [1])
    minutes.prune(3600, hours)
    expect(minutes.size).toBe(1)
    expect(hours.series(0, 0, 10_000)).toEqual([{ b: 0, total: 1, bad: 1 }])
    expect(hours.series(1, 0, 10_000)).toEqual([{ b: 0, total: 12, bad: 2 }])
    const both = hours.clone()
    both.foldFrom(minutes, 3600, Infinity)
    expect(both.series(0, 0, 10_000)).toEqual([{ b: 0, total: 1, bad: 1 }, { b: 3600, total: 5, bad: 0 }])
    expect(hours.series(0, 0, 10_000)).toEqual([{ b: 0, total: 1, bad: 1 }])
  })
})
