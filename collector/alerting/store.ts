import type { ClickHouseClient } from '@clickhouse/client'
import { type AlertState, type AlertTransition, Matcher } from '../../contract'
import { z } from 'zod'
import { runSql } from '../query/run'
import type { SqlQuery } from '../query/types'
import type { Mute } from './silences'

/** alert_history and alert_mutes (migration 0020), behind the one ClickHouse client. */

const toCh = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
const fromCh = (v: unknown) => Date.parse(`${String(v).replace(' ', 'T')}Z`)

export interface HistoryQuery { fromMs: number; toMs: number; alertId?: string; limit: number }

export function historySql(q: HistoryQuery): SqlQuery {
  return {
    query: `
SELECT toUnixTimestamp64Milli(ts) AS t, alert_id, rule_id, alertname, severity, from_state, to_state, reason, value, labels, suppressed
FROM alert_history
WHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
  ${q.alertId ? 'AND alert_id = {alert_id:String}' : ''}
ORDER BY ts DESC, alert_id LIMIT {limit:UInt32}`,
    params: { from_ms: q.fromMs, to_ms: q.toMs, limit: q.limit, ...(q.alertId ? { alert_id: q.alertId } : {}) },
  }
}

export function shapeTransition(r: Record<string, unknown>): AlertTransition {
  return {
    ts: new Date(Number(r.t)).toISOString(), alert_id: String(r.alert_id), rule_id: String(r.rule_id), alertname: String(r.alertname),
    severity: r.severity === 'page' ? 'page' : 'ticket', from: r.from_state as AlertState, to: r.to_state as AlertState, reason: String(r.reason),
    value: r.value === null || r.value === undefined ? null : Number(r.value), labels: (r.labels ?? {}) as Record<string, string>, suppressed: Number(r.suppressed) === 1,
  }
}

export class AlertStore {
  constructor(private readonly client: Pick<ClickHouseClient, 'insert' | 'query'>) {}

  async record(transitions: readonly AlertTransition[]): Promise<void> {
    if (transitions.length === 0) return
    await this.client.insert({
      table: 'alert_history', format: 'JSONEachRow',
      values: transitions.map((t) => ({
        ts: toCh(Date.parse(t.ts)), alert_id: t.alert_id, rule_id: t.rule_id, alertname: t.alertname, severity: t.severity, from_state: t.from, to_state: t.to,
        reason: t.reason, value: t.value, labels: t.labels, suppressed: t.suppressed ? 1 : 0,
      })),
    })
  }

  async history(q: HistoryQuery): Promise<AlertTransition[]> {
    return (await runSql(this.client as ClickHouseClient, historySql(q))).map(shapeTransition)
  }

  /** Latest transition of every alert: the state to resume from after a restart. */
  async lastStates(): Promise<Array<{ alertId: string; state: AlertState; since: number; gameday: string | null }>> {
    const rows = await runSql(this.client as ClickHouseClient, {
      query: "SELECT alert_id, argMax(to_state, ts) AS state, toUnixTimestamp64Milli(max(ts)) AS t, argMax(labels['gameday'], ts) AS gameday FROM alert_history GROUP BY alert_id",
      params: {},
    })
    return rows.map((r) => ({ alertId: String(r.alert_id), state: r.state as AlertState, since: Number(r.t), gameday: r.gameday ? String(r.gameday) : null }))
  }

  async saveMute(m: Mute, version: number): Promise<void> {
    await this.client.insert({
      table: 'alert_mutes', format: 'JSONEachRow',
      values: [{ id: m.id, kind: m.kind, name: m.name, matchers: JSON.stringify(m.matchers), starts_at: toCh(m.startsAt), ends_at: toCh(m.endsAt), created_by: m.createdBy, comment: m.comment, version }],
    })
  }

  async mutes(): Promise<Mute[]> {
    const rows = await runSql(this.client as ClickHouseClient, { query: 'SELECT id, kind, name, matchers, starts_at, ends_at, created_by, comment FROM alert_mutes FINAL', params: {} })
    return rows.map((r) => ({
      id: String(r.id), kind: r.kind === 'maintenance' ? 'maintenance' : 'silence', name: String(r.name), matchers: z.array(Matcher).parse(JSON.parse(String(r.matchers))),
      startsAt: fromCh(r.starts_at), endsAt: fromCh(r.ends_at), createdBy: String(r.created_by), comment: String(r.comment), source: 'api' as const,
    }))
  }
}
