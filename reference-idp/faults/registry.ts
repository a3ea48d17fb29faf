import { randomUUID } from 'node:crypto'
import type { IdpFault, IdpFaultRequest, RunbookAction, RunbookActionRequest } from '../../contract'
import { isActive, newlyExpired } from './match'

/** One change to the registry, for the audit log and `gameday.fault`. */
export type FaultChange =
  | { type: 'fault'; entry: IdpFault; reason: 'applied' | 'revoked' | 'expired' }
  | { type: 'action'; entry: RunbookAction; reason: 'applied' | 'revoked' | 'expired' }

/** Ended entries are kept this long for GET (then dropped: memory stays bounded). */
const KEEP_ENDED_MS = 24 * 3600_000
/** Entries at once (active or recently ended): a game day needs a handful. */
export const MAX_ENTRIES = 500

/**
 * The IdP's faults and runbook actions, in memory. Whether one is in force is a comparison of
 * its expiry with `now` (see match.ts): nothing has to run for a fault to end, and a restart of
 * the IdP ends them all, the safe direction for a drill. `sweep` only finds which ones ended
 * since the last look, so their expiry is audited and told once.
 */
export function createFaultRegistry(o: { now: () => Date; newId?: () => string }) {
  const newId = o.newId ?? randomUUID
  const faults: IdpFault[] = []
  const actions: RunbookAction[] = []
  const reported = new Set<string>()
  const view = <E extends IdpFault | RunbookAction>(e: E): E => ({ ...e, active: isActive(e, o.now()) })
  const times = (seconds: number) => {
    const now = o.now()
    return { created_at: now.toISOString(), expires_at: new Date(now.getTime() + seconds * 1000).toISOString(), revoked_at: null, active: true }
  }
  const prune = <E extends IdpFault | RunbookAction>(list: E[]) => {
    const cutoff = o.now().getTime() - KEEP_ENDED_MS
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]
      const ended = Math.min(Date.parse(e.expires_at), e.revoked_at ? Date.parse(e.revoked_at) : Infinity)
      if (ended < cutoff && reported.has(e.id)) {
        list.splice(i, 1)
        reported.delete(e.id)
      }
    }
  }
  const room = () => {
    prune(faults)
    prune(actions)
    if (faults.length + actions.length >= MAX_ENTRIES) throw new RangeError(`at most ${MAX_ENTRIES} faults and runbook actions at once (ended ones are kept for 24 h)`)
  }
  const revoke = <E extends IdpFault | RunbookAction>(list: E[], id: string): { entry: E; changed: boolean } | undefined => {
    const i = list.findIndex((e) => e.id === id)
    if (i < 0) return undefined
    if (!isActive(list[i], o.now())) return { entry: view(list[i]), changed: false }
    list[i] = { ...list[i], revoked_at: o.now().toISOString() }
    reported.add(id)
    return { entry: view(list[i]), changed: true }
  }

  return {
    addFault(r: IdpFaultRequest): IdpFault {
      room()
      const f: IdpFault = {
        id: newId(), kind: r.kind, vendor: r.vendor ?? null, channel: r.channel, region: r.region, share: r.share,
        latency_ms: r.latency_ms ?? null, scope: r.scope, gameday_id: r.gameday_id ?? null, reason: r.reason, ...times(r.duration_seconds),
      }
      faults.push(f)
      return view(f)
    },
    addAction(r: RunbookActionRequest): RunbookAction {
      room()
      const a: RunbookAction = {
        id: newId(), action: r.action, vendor: r.vendor ?? null, channel: r.channel, region: r.region, factor: r.factor ?? null,
        instead_of: r.instead_of ?? null, gameday_id: r.gameday_id ?? null, reason: r.reason, ...times(r.duration_seconds),
      }
      actions.push(a)
      return view(a)
    },
    /** Ends a fault now; `changed: false` when it had already ended. undefined: no such id. */
    revokeFault: (id: string) => revoke(faults, id),
    revokeAction: (id: string) => revoke(actions, id),
    /** Every entry, oldest first, with `active` as of now. */
    faults: (): IdpFault[] => faults.map(view),
    actions: (): RunbookAction[] => actions.map(view),
    /** The raw lists for the matchers (they judge `now` themselves). */
    rawFaults: (): readonly IdpFault[] => faults,
    rawActions: (): readonly RunbookAction[] => actions,
    /** Entries that expired since the last sweep, each reported once. */
    sweep(): FaultChange[] {
      const now = o.now()
      const out: FaultChange[] = [
        ...newlyExpired(faults, reported, now).map((entry) => ({ type: 'fault' as const, entry: view(entry), reason: 'expired' as const })),
        ...newlyExpired(actions, reported, now).map((entry) => ({ type: 'action' as const, entry: view(entry), reason: 'expired' as const })),
      ]
      for (const c of out) reported.add(c.entry.id)
      return out
    },
  }
}
export type FaultRegistry = ReturnType<typeof createFaultRegistry>
