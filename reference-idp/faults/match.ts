import type { FaultScope, IdpFault, RunbookAction } from '../../contract'

/**
 * Game-day decisions, pure: which injected fault (if any) a vendor call or a sign-in meets,
 * whether a vendor is drained, and which factor a sign-in offers first. Everything that has an
 * expiry is judged by comparing it with `now`: an ended fault simply stops matching, so there
 * is nothing to undo that could be missed.
 */

/** Who a call is for, as far as scopes care; undefined when the call has no known user. */
export interface FaultSubject {
  userGroup?: string
  /** An account the IdP knows as synthetic (traffic generator, probes). */
  synthetic: boolean
}

export interface VendorCall {
  vendor: string
  channel: string
  region: string
  subject?: FaultSubject
}

type Expiring = Pick<IdpFault, 'expires_at' | 'revoked_at'>

/** In force at `now`: not revoked, not yet expired (expiry is exclusive). */
export const isActive = (e: Expiring, now: Date): boolean => e.revoked_at === null && now.getTime() < Date.parse(e.expires_at)

/** Whether `subject` falls inside `scope`; an unknown subject only meets an unscoped fault. */
export function inScope(scope: FaultScope, subject: FaultSubject | undefined): boolean {
  if (scope.synthetic_only && !subject?.synthetic) return false
  if (scope.user_group && subject?.userGroup !== scope.user_group) return false
  return true
}

/** A scope that needs to know the user (so the shell resolves the subject only when it must). */
export const scoped = (scope: FaultScope): boolean => scope.synthetic_only || scope.user_group !== undefined

const fits = (want: string, got: string) => want === '*' || want === got

/** Active vendor faults aimed at this vendor, channel and region, whatever their scope. */
export function vendorFaultsFor(faults: readonly IdpFault[], call: Omit<VendorCall, 'subject'>, now: Date): IdpFault[] {
  return faults.filter((f) => f.kind !== 'idp_unavailable' && isActive(f, now) && f.vendor === call.vendor && fits(f.channel, call.channel) && fits(f.region, call.region))
}

/**
 * The fault a vendor call meets: the first (oldest) active fault whose target and scope match
 * and whose share the draw falls inside. One draw per candidate, so two 50 % faults on the same
 * target touch 75 % of calls, as two independent failures would.
 */
export function matchFault(faults: readonly IdpFault[], call: VendorCall, now: Date, rand: () => number): IdpFault | undefined {
  for (const f of vendorFaultsFor(faults, call, now)) {
    if (!inScope(f.scope, call.subject)) continue
    if (rand() < f.share) return f
  }
  return undefined
}

/** Active idp_unavailable faults in this region (F1), whatever their scope. */
export const unavailableFaults = (faults: readonly IdpFault[], region: string, now: Date): IdpFault[] =>
  faults.filter((f) => f.kind === 'idp_unavailable' && isActive(f, now) && fits(f.region, region))

/** The idp_unavailable fault a sign-in step meets, if any (same draw rule as matchFault). */
export function matchUnavailable(faults: readonly IdpFault[], region: string, subject: FaultSubject | undefined, now: Date, rand: () => number): IdpFault | undefined {
  for (const f of unavailableFaults(faults, region, now)) {
    if (!inScope(f.scope, subject)) continue
    if (rand() < f.share) return f
  }
  return undefined
}

/** The drain_vendor action holding this vendor's circuit open for the channel and region, if any. */
export function drainOf(actions: readonly RunbookAction[], vendor: string, channel: string, region: string, now: Date): RunbookAction | undefined {
  return actions.find((a) => a.action === 'drain_vendor' && isActive(a, now) && a.vendor === vendor && fits(a.channel, channel) && fits(a.region, region))
}

/**
 * The order a sign-in offers factors in under the active promote_fallback actions: the
 * promoted factor goes first for a user who has it, when the action names no `instead_of` or
 * when `instead_of` is what would have come first. Newest action wins. Unchanged otherwise.
 */
export function promoteOrder<F extends string>(actions: readonly RunbookAction[], have: readonly F[], region: string, now: Date): { order: F[]; action?: RunbookAction } {
  const live = actions.filter((a) => a.action === 'promote_fallback' && isActive(a, now) && fits(a.region, region)).reverse()
  for (const a of live) {
    const factor = a.factor as F
    if (!have.includes(factor) || have[0] === factor) continue
    if (a.instead_of !== null && have[0] !== a.instead_of) continue
    return { order: [factor, ...have.filter((f) => f !== factor)], action: a }
  }
  return { order: [...have] }
}

/** Entries that ran out by `now` and whose expiry was not reported yet (revoked ones were reported when revoked). */
export const newlyExpired = <E extends Expiring & { id: string }>(entries: readonly E[], reported: ReadonlySet<string>, now: Date): E[] =>
  entries.filter((e) => e.revoked_at === null && !reported.has(e.id) && now.getTime() >= Date.parse(e.expires_at))

/** Audit and telemetry wording of a scope: all, synthetic, user_group:<g>, or both. */
export const scopeLabel = (scope: FaultScope): string =>
  [scope.synthetic_only ? 'synthetic' : '', scope.user_group ? `user_group:${scope.user_group}` : ''].filter(Boolean).join(',') || 'all'
