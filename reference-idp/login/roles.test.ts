import { describe, expect, it } from 'vitest'
import { canDecideGrant, decideGrant, type GrantActor } from './roles'

const token: GrantActor = { kind: 'service_token' }
const admin = (id: string): GrantActor => ({ kind: 'admin', id })

describe('decideGrant: account types are provisioned, admin power by two people', () => {
  it.each<[string, GrantActor, { id: string; group: string }, 'admin' | 'workforce' | 'customer' | 'vendor', string]>([
    ['the service token makes an admin at once (configuration)', token, { id: 'u', group: 'customer' }, 'admin', 'apply'],
    ['an admin makes a workforce account at once', admin('a'), { id: 'u', group: 'customer' }, 'workforce', 'apply'],
    ['an admin asking to make an admin needs a second admin', admin('a'), { id: 'u', group: 'customer' }, 'admin', 'request'],
    ['taking admin away also needs a second admin', admin('a'), { id: 'u', group: 'admin' }, 'customer', 'request'],
    ['nobody changes their own type', admin('a'), { id: 'a', group: 'admin' }, 'customer', 'refuse'],
    ['no change is refused', token, { id: 'u', group: 'vendor' }, 'vendor', 'refuse'],
  ])('%s', (_n, actor, target, to, kind) => {
    expect(decideGrant(actor, target, to).kind).toBe(kind)
  })
})

describe('canDecideGrant', () => {
  const row = { id: 'g', user_id: 'u', user_group: 'admin' as const, requested_by: 'a', status: 'requested' }
  it.each<[string, typeof row | undefined, { id: string; isAdmin: boolean }, string | null]>([
    ['a second admin may', row, { id: 'b', isAdmin: true }, null],
    ['the admin who asked may not', row, { id: 'a', isAdmin: true }, 'forbidden'],
    ['the subject may not approve their own promotion', row, { id: 'u', isAdmin: true }, 'forbidden'],
    ['a non-admin may not', row, { id: 'c', isAdmin: false }, 'forbidden'],
    ['a decided request stays decided', { ...row, status: 'applied' }, { id: 'b', isAdmin: true }, 'already_active'],
    ['an unknown request', undefined, { id: 'b', isAdmin: true }, 'not_found'],
  ])('%s', (_n, r, who, error) => {
    const v = canDecideGrant(r, who)
    expect(v.ok ? null : v.error).toBe(error)
  })
})
