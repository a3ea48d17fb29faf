import { AsyncLocalStorage } from 'node:async_hooks'
import type { FaultSubject } from './match'

/**
 * What a request carries for game days, without threading it through every service: who the
 * request is for (resolved lazily, only when a scoped fault needs it) and the game day of a
 * fault that touched one of its calls, so the events it emits afterwards carry `mfa.gameday_id`.
 */
export interface DrillScope {
  subject(): Promise<FaultSubject | undefined>
  gamedayId?: string
}

const als = new AsyncLocalStorage<DrillScope>()

export const drillScope = {
  run: <T>(scope: DrillScope, fn: () => Promise<T>): Promise<T> => als.run(scope, fn),
  /** The request's scope; undefined outside a request (sweepers, receipts, start-up). */
  current: (): DrillScope | undefined => als.getStore(),
}
