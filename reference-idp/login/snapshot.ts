import { ATTR, type Factor } from '../../contract'
import type { IdpKeys } from '../keys'
import type { Db } from '../store/db'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'

/**
 * Factors counted by the snapshot, each with the SQL that says "this user has one active". E-mail
 * is not among them: an e-mail code is no second factor (NIST SP 800-63B 5.1.3.1), so an e-mail
 * enrollment left from earlier never counts as MFA coverage.
 */
const HAS: [Factor, string][] = [
  ['totp', "EXISTS (SELECT 1 FROM totp_credentials t WHERE t.user_id = u.id AND t.status = 'active')"],
  ['webauthn', 'EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = u.id)'],
  ['sms', "EXISTS (SELECT 1 FROM oob_factors o WHERE o.user_id = u.id AND o.status = 'active' AND o.channel = 'sms')"],
  ['voice', "EXISTS (SELECT 1 FROM oob_factors o WHERE o.user_id = u.id AND o.status = 'active' AND o.channel = 'voice')"],
  ['push', "EXISTS (SELECT 1 FROM push_devices p WHERE p.user_id = u.id AND p.status = 'active')"],
  ['recovery_code', 'EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL)'],
]

/** SQL that is true for an account with no second factor (recovery codes are a way back in, not a factor). */
const NONE = HAS.filter(([f]) => f !== 'recovery_code').map(([, has]) => `NOT ${has}`).join(' AND ')

export interface GroupCounts { user_group: string; total: number; none: number; factors: Record<string, number> }

/** Per user group: accounts, accounts per active factor, accounts with no second factor at all. */
export async function countEnrollment(db: Db): Promise<GroupCounts[]> {
  const cols = HAS.map(([f, has]) => `count(*) FILTER (WHERE ${has}) AS ${f}`).join(', ')
  const rows = await db.query<Record<string, string | number>>(`SELECT u.user_group, count(*) AS total, count(*) FILTER (WHERE ${NONE}) AS none, ${cols} FROM users u GROUP BY u.user_group ORDER BY u.user_group`)
  return rows.map((r) => ({ user_group: String(r.user_group), total: Number(r.total), none: Number(r.none), factors: Object.fromEntries(HAS.map(([f]) => [f, Number(r[f])])) }))
}

/** Ids of the admin accounts with no second factor (the same test as GroupCounts.none), for their hashes only. */
export async function unprotectedAdmins(db: Db): Promise<string[]> {
  return (await db.query<{ id: string }>(`SELECT u.id FROM users u WHERE u.user_group = 'admin' AND ${NONE} ORDER BY u.id`)).map((r) => r.id)
}

/**
 * `mfa.enrollment.snapshot` per user group and factor: the denominator of coverage (M8). Then
 * one `unprotected_admin` row per admin without any second factor (by user hash; factor
 * password, 1 of 1, which coverage queries leave out), so the security report names admins
 * who never sign in too. They are also counted in a gauge and said in the log (without ids).
 */
export async function emitEnrollmentSnapshot(o: { db: Db; telemetry: Telemetry; metrics: IdpMetrics; keys: Pick<IdpKeys, 'userHash'>; region: string; reason: 'scheduled' | 'on_demand'; log: (line: string) => void }): Promise<GroupCounts[]> {
  const groups = await countEnrollment(o.db)
  for (const g of groups) {
    for (const [factor, enrolled] of Object.entries(g.factors)) {
      o.telemetry.emit('mfa.enrollment.snapshot', {
        [ATTR.region]: o.region, [ATTR.userGroup]: g.user_group, [ATTR.factor]: factor,
        [ATTR.enrolledCount]: enrolled, [ATTR.totalCount]: g.total, [ATTR.reason]: o.reason,
      })
    }
    o.metrics.withoutMfa.set({ user_group: g.user_group }, g.none)
  }
  for (const id of await unprotectedAdmins(o.db)) {
    o.telemetry.emit('mfa.enrollment.snapshot', {
      [ATTR.region]: o.region, [ATTR.userGroup]: 'admin', [ATTR.userHash]: o.keys.userHash(id), [ATTR.factor]: 'password',
      [ATTR.enrolledCount]: 1, [ATTR.totalCount]: 1, [ATTR.reason]: 'unprotected_admin',
    })
  }
  const admins = groups.find((g) => g.user_group === 'admin')
  if (admins && admins.none > 0) o.log(`security: ${admins.none} of ${admins.total} admin accounts have no second factor`)
  return groups
}
