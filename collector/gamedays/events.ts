import type { ClickHouseClient } from '@clickhouse/client'
import { ATTR, buildEvent } from '../../contract'
import { mfaEventRow } from '../storage/rows'

/** The producer name of the controller's own events (service.name). */
export const GAMEDAY_SERVICE = 'factorwatch-collector'

export type GameDayEvent =
  | { name: 'gameday.started'; gamedayId: string; reason: 'manual' | 'scheduled'; scenario: string }
  | { name: 'gameday.ended'; gamedayId: string; reason: 'completed' | 'aborted_guardrail' | 'aborted_manual' | 'reverted'; scenario: string }

/**
 * gameday.started / gameday.ended as ordinary contract events: checked by the contract
 * (buildEvent), turned into an mfa_events row the way ingest does (mfaEventRow) and inserted
 * there. The event id is derived from the game day, so a retried write stays one event.
 */
export function gameDayEventRow(e: GameDayEvent, tsMs: number) {
  const attrs = buildEvent(e.name, { [ATTR.gamedayId]: e.gamedayId, [ATTR.reason]: e.reason, 'gameday.scenario': e.scenario }, () => `${e.gamedayId}-${e.name === 'gameday.started' ? 'started' : 'ended'}`)
  return mfaEventRow({ tsMs, service: GAMEDAY_SERVICE, attrs })
}

export type EmitEvent = (e: GameDayEvent, tsMs: number) => Promise<void>

export function storeEvents(client: Pick<ClickHouseClient, 'insert'>): EmitEvent {
  return async (e, tsMs) => {
    await client.insert({ table: 'mfa_events', format: 'JSONEachRow', values: [gameDayEventRow(e, tsMs)] })
  }
}
