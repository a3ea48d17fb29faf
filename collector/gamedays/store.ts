import type { ClickHouseClient } from '@clickhouse/client'
import { GameDayReport, GameDayStep, GuardrailReading, type GameDayState } from '../../contract'
import { z } from 'zod'
import { runSql } from '../query/run'
import { chTime } from '../storage/rows'
import type { AbortCause, EndReason, RunRecord } from './types'

/** One fault change at a target (gameday_changes): the audit trail of a drill. */
export interface ChangeRecord {
  ts: number
  gamedayId: string
  stepId: string
  target: 'idp' | 'simulator' | 'runbook'
  change: 'apply' | 'revert' | 'apply_failed' | 'revert_failed' | 'expired'
  remoteId: string
  request: unknown
  status: number
  error: string
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString())
const ABORTS: readonly string[] = ['manual', 'guardrail', 'restart']

/** gameday_runs and gameday_changes (migration 0030) behind the one ClickHouse client. */
export class GameDayStore {
  constructor(private readonly client: ClickHouseClient) {}

  async save(run: RunRecord, version: number): Promise<void> {
    await this.client.insert({
      table: 'gameday_runs', format: 'JSONEachRow',
      values: [{
        id: run.id, scenario: run.scenario, name: run.name, state: run.state, dry_run: run.dry_run ? 1 : 0, pages: run.pages ? 1 : 0, vendors: run.vendors,
        blast_radius: run.blast_radius, created_at: chTime(Date.parse(run.created_at)), starts_at: chTime(Date.parse(run.starts_at)), ends_at: chTime(Date.parse(run.ends_at)),
        started_at: run.started_at ? chTime(Date.parse(run.started_at)) : null, ended_at: run.ended_at ? chTime(Date.parse(run.ended_at)) : null,
        end_reason: run.end_reason ?? '', abort_requested: run.abort ? ABORTS.indexOf(run.abort) + 1 : 0,
        steps: JSON.stringify(run.steps), guardrails: JSON.stringify(run.guardrails), report: run.report ? JSON.stringify(run.report) : '', version,
      }],
    })
  }

  async change(c: ChangeRecord): Promise<void> {
    await this.client.insert({
      table: 'gameday_changes', format: 'JSONEachRow',
      values: [{ ts: chTime(c.ts), gameday_id: c.gamedayId, step_id: c.stepId, target: c.target, change: c.change, remote_id: c.remoteId, request: JSON.stringify(c.request ?? null), status: c.status, error: c.error.slice(0, 500) }],
    })
  }

  async changes(gamedayId: string): Promise<ChangeRecord[]> {
    const rows = await runSql(this.client, {
      query: 'SELECT toUnixTimestamp64Milli(ts) AS t, gameday_id, step_id, target, change, remote_id, request, status, error FROM gameday_changes WHERE gameday_id = {id:String} ORDER BY ts',
      params: { id: gamedayId },
    })
    return rows.map((r) => ({
      ts: Number(r.t), gamedayId: String(r.gameday_id), stepId: String(r.step_id), target: r.target as ChangeRecord['target'], change: r.change as ChangeRecord['change'],
      remoteId: String(r.remote_id), request: JSON.parse(String(r.request)), status: Number(r.status), error: String(r.error),
    }))
  }

  /** The latest version of the newest `limit` runs, and the highest version written. */
  async load(limit = 500): Promise<{ runs: RunRecord[]; version: number }> {
    const rows = await runSql(this.client, {
      query: `
SELECT id, scenario, name, state, dry_run, pages, vendors, blast_radius, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(starts_at) AS starts,
       toUnixTimestamp64Milli(ends_at) AS ends, toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(ended_at) AS ended, end_reason, abort_requested,
       steps, guardrails, report, version
FROM gameday_runs FINAL ORDER BY created_at DESC, id LIMIT {limit:UInt32}`,
      params: { limit },
    })
    const runs = rows.map((r): RunRecord => ({
      id: String(r.id), scenario: String(r.scenario), name: String(r.name), state: String(r.state) as GameDayState, dry_run: Number(r.dry_run) === 1,
      blast_radius: String(r.blast_radius), created_at: iso(r.created)!, starts_at: iso(r.starts)!, ends_at: iso(r.ends)!, started_at: iso(r.started), ended_at: iso(r.ended),
      end_reason: r.end_reason ? (String(r.end_reason) as EndReason) : null,
      steps: z.array(GameDayStep).parse(JSON.parse(String(r.steps))), guardrails: z.array(GuardrailReading).parse(JSON.parse(String(r.guardrails))),
      report: r.report ? GameDayReport.parse(JSON.parse(String(r.report))) : null,
      pages: Number(r.pages) === 1, vendors: (r.vendors as unknown[]).map(String), abort: Number(r.abort_requested) > 0 ? (ABORTS[Number(r.abort_requested) - 1] as AbortCause) : null,
    }))
    return { runs, version: Math.max(0, ...rows.map((r) => Number(r.version))) }
  }
}
