import { afterAll, describe, expect, it } from 'vitest'
import { createGuessRepo } from './guess-repo'
import { migrateStore } from './migrate'
import { testStores } from './test-stores'

const t0 = new Date('2026-12-01T12:00:00Z')
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000)

describe.each(testStores(afterAll))('guessing counts and locks on %s', (_name, open) => {
  it('password runs: per account and class of device, restarted after a day, ended by the right password of that class, pruned', async () => {
    const db = await open()
    if (!db) return
    await migrateStore(db)
    const g = createGuessRepo(db)
    expect(await g.passwordRun('acct', false)).toEqual({ count: 0, lastAt: null })
    expect([await g.addPasswordFailure('acct', false, at(0), at(-1440)), await g.addPasswordFailure('acct', false, at(1), at(-1439))]).toEqual([1, 2])
    expect(await g.addPasswordFailure('acct', true, at(1), at(-1439))).toBe(1)
    expect(await g.passwordRun('acct', false)).toEqual({ count: 2, lastAt: at(1) })
    // A run last added to before the cut-off starts over.
    expect(await g.addPasswordFailure('acct', false, at(3000), at(1560))).toBe(1)
    // The owner's known device signing in does not reset the unknown devices' run.
    await g.clearPasswordFailures('acct', true)
    expect((await g.passwordRun('acct', true)).count).toBe(0)
    expect((await g.passwordRun('acct', false)).count).toBe(1)
    await g.addPasswordFailure('old', false, at(0), at(-1440))
    expect(await g.prunePasswordFailures(at(10))).toBe(1)
    expect((await g.passwordRun('old', false)).count).toBe(0)
    expect((await g.passwordRun('acct', false)).count).toBe(1)
    if (db.kind === 'pglite') await db.close()
  })

  it('code failures by class; unknown-device lock and cap; lifting them forgets unknown devices\' failures only', async () => {
    const db = await open()
    if (!db) return
    await migrateStore(db)
    await db.query("INSERT INTO users (id, email_enc, email_idx, password_hash, user_group) VALUES ('u1', 'v1.s', 'idx-1', 'h', 'customer')")
    const g = createGuessRepo(db)
    for (const m of [0, 1, 2]) await g.addCodeFailure('u1', false, at(m))
    await g.addCodeFailure('u1', true, at(2))
    expect([await g.codeFailuresSince('u1', false, at(1)), await g.codeFailuresSince('u1', true, at(0))]).toEqual([2, 1])
    await g.pruneCodeFailures('u1', at(1))
    expect(await g.codeFailuresSince('u1', false, at(-60))).toBe(2)
    expect(await g.locks('u1', null)).toEqual({ lockedUntil: null, unknownLockedUntil: null, unknownCapped: false })
    expect(await g.liftUnknown('u1', at(3))).toBe(false) // nothing in force
    await g.addCodeFailure('u1', false, at(3))
    await g.lockUnknown('u1', at(18))
    await g.capUnknown('u1', at(4))
    expect(await g.locks('u1', at(5))).toEqual({ lockedUntil: at(5), unknownLockedUntil: at(18), unknownCapped: true })
    expect(await g.liftUnknown('u1', at(30))).toBe(true) // the cap was in force, the lock no longer
    expect(await g.locks('u1', null)).toEqual({ lockedUntil: null, unknownLockedUntil: null, unknownCapped: false })
    expect([await g.codeFailuresSince('u1', false, at(-60)), await g.codeFailuresSince('u1', true, at(-60))]).toEqual([0, 1])
    if (db.kind === 'pglite') await db.close()
  })
})
