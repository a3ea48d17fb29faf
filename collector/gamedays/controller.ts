import { randomBytes } from 'node:crypto'
import type { GameDayReport, GameDayStep, GuardrailReading, StartGameDay } from '../../contract'
import { blastRadiusText, scenarioSeconds, stepSummary, type Scenario } from '../../dashboards/schema/gameday'
import type { EmitEvent } from './events'
import { plan, type Decision } from './plan'
import type { ChangeRecord, GameDayStore } from './store'
import { TargetError, type Targets } from './targets'
import type { RunRecord } from './types'

/** What the controller reads from storage (G3's readings.ts and report.ts behind it; tests inject their own). */
export interface Readings {
  guardrails(scenario: Scenario, run: RunRecord, now: number): Promise<GuardrailReading[]>
  report(scenario: Scenario, run: RunRecord, now: number): Promise<GameDayReport>
}

export interface ControllerOptions {
  store: Pick<GameDayStore, 'save' | 'change' | 'load'>
  targets: Targets
  readings: Readings
  emit: EmitEvent
  scenarios: ReadonlyMap<string, Scenario>
  /** The process clock (ms); every decision takes its `now` from here. */
  now: () => number
  tickMs?: number
  /** How long a fault outlives its step at the target: the IdP reverts it by itself this long after the step's end. */
  marginS?: number
  /** Reports keep being refreshed this long after the end (alerts and recovery trail the revert). */
  reportTailMs?: number
  log?: (line: string) => void
  newId?: (now: number) => string
}

/** Errors the API maps to a status (400, 404, 409). */
export class GameDayError extends Error {
  constructor(readonly code: 'invalid' | 'not_found' | 'conflict', message: string, readonly parameter?: string) {
    super(message)
  }
}

const iso = (ms: number) => new Date(ms).toISOString()
const ACTIVE = new Set(['scheduled', 'running'])

/**
 * The thin shell around plan(): keeps runs in memory (resumed from gameday_runs), ticks on a
 * timer, applies and reverts steps through the targets, records every change, emits
 * gameday.started/ended and builds the report at the end. One operation at a time (a lock), so
 * an abort never races a tick.
 */
export class GameDayController {
  private runs = new Map<string, RunRecord>()
  private version = 0
  private lock: Promise<unknown> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  readonly tickMs: number
  private readonly marginS: number
  private readonly log: (line: string) => void

  constructor(private readonly o: ControllerOptions) {
    this.tickMs = o.tickMs ?? 2000
    this.marginS = o.marginS ?? 30
    this.log = o.log ?? (() => {})
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lock.then(fn, fn)
    this.lock = p.catch(() => {})
    return p
  }

  /** Load runs; revert and end every run a previous process left running (a crash never leaves an outage behind). */
  async init(): Promise<RunRecord[]> {
    const { runs, version } = await this.o.store.load()
    this.version = version
    for (const r of runs.reverse()) this.runs.set(r.id, r)
    const unfinished = [...this.runs.values()].filter((r) => r.state === 'running')
    return this.exclusive(async () => {
      for (const r of unfinished) {
        this.log(`gamedays: ${r.id} (${r.scenario}) was running when the collector stopped: reverting its faults`)
        r.abort = 'restart'
        await this.step(r, this.o.now())
      }
      return unfinished.map((r) => this.runs.get(r.id)!)
    })
  }

  list(): RunRecord[] {
    return [...this.runs.values()].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
  }

  get(id: string): RunRecord | undefined {
    return this.runs.get(id)
  }

  scenario(id: string): Scenario | undefined {
    return this.o.scenarios.get(id)
  }

  /** Create a game day (validated body); a real one starting now is started within this call. */
  create(req: StartGameDay): Promise<RunRecord> {
    return this.exclusive(async () => {
      const now = this.o.now()
      const s = this.o.scenarios.get(req.scenario)
      if (!s) throw new GameDayError('not_found', `no scenario "${req.scenario}"; scenarios: ${[...this.o.scenarios.keys()].join(', ')}`, 'scenario')
      const startMs = req.start ? Date.parse(req.start) : now
      if (startMs < now - 60_000) throw new GameDayError('invalid', `got ${req.start}, expected a time not in the past (omit start to begin now)`, 'start')
      const endMs = startMs + scenarioSeconds(s) * 1000
      if (!req.dryRun) {
        const clash = [...this.runs.values()].find((r) => !r.dry_run && ACTIVE.has(r.state) && Date.parse(r.starts_at) < endMs && Date.parse(r.ends_at) > startMs)
        if (clash) throw new GameDayError('conflict', `game day ${clash.id} (${clash.scenario}) is ${clash.state} until ${clash.ends_at}; one drill at a time`)
      }
      const steps: GameDayStep[] = s.steps.map((st) => ({
        id: st.id, summary: stepSummary(st), target: st.target, state: req.dryRun ? 'skipped' : 'pending',
        starts_at: iso(startMs + st.start * 1000), ends_at: iso(startMs + (st.start + st.duration) * 1000), applied_at: null, reverted_at: null, remote_id: null, error: null,
      }))
      const run: RunRecord = {
        id: (this.o.newId ?? newGameDayId)(now), scenario: s.id, name: s.name, state: req.dryRun ? 'completed' : 'scheduled', dry_run: req.dryRun,
        blast_radius: blastRadiusText(s), created_at: iso(now), starts_at: iso(startMs), ends_at: iso(endMs), started_at: null, ended_at: req.dryRun ? iso(now) : null,
        end_reason: req.dryRun ? 'completed' : null, steps, guardrails: [], report: null, pages: s.pages,
        vendors: [...new Set(s.steps.map((st) => st.vendor).filter((v): v is string => !!v))].sort(), abort: null,
      }
      if (req.dryRun) {
        // Plan only: the steps with their times, and what the guardrails read right now.
        run.guardrails = await this.o.readings.guardrails(s, run, now).catch((err: unknown) => (this.log(`gamedays: dry run guardrail readings failed: ${(err as Error).message}`), []))
      }
      this.runs.set(run.id, run)
      await this.save(run, now)
      this.log(`gamedays: ${run.id} ${run.dry_run ? 'planned (dry run)' : `scheduled for ${run.starts_at}`}: ${s.id}`)
      if (!run.dry_run && startMs <= now) await this.step(run, now)
      return this.runs.get(run.id)!
    })
  }

  /** Stop a drill now: every applied fault is reverted within this call. */
  abort(id: string): Promise<RunRecord> {
    return this.exclusive(async () => {
      const run = this.runs.get(id)
      if (!run) throw new GameDayError('not_found', `no game day "${id.slice(0, 80)}"`)
      if (!ACTIVE.has(run.state)) throw new GameDayError('conflict', `game day ${id} is already ${run.state}${run.end_reason ? ` (${run.end_reason})` : ''}`)
      run.abort = 'manual'
      await this.step(run, this.o.now())
      return this.runs.get(id)!
    })
  }

  /** The report of a finished run, refreshed while alerts and recovery may still trail the end. */
  report(id: string): Promise<RunRecord | undefined> {
    return this.exclusive(async () => {
      const run = this.runs.get(id)
      if (!run || run.dry_run || ACTIVE.has(run.state)) return run
      const now = this.o.now()
      const fresh = run.report === null || now < Date.parse(run.ended_at ?? run.ends_at) + (this.o.reportTailMs ?? 10 * 60_000)
      const s = this.o.scenarios.get(run.scenario)
      if (!fresh || !s) return run
      try {
        const report = await this.o.readings.report(s, run, now)
        if (JSON.stringify(report) !== JSON.stringify(run.report)) {
          run.report = report
          await this.save(run, now)
        }
      } catch (err) {
        this.log(`gamedays: report of ${id} failed: ${(err as Error).message.split('\n')[0]}`)
      }
      return run
    })
  }

  /** One cycle over every unfinished run. */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      for (const run of [...this.runs.values()]) if (ACTIVE.has(run.state) && !run.dry_run) await this.step(run, this.o.now())
    })
  }

  /** Read guardrails, plan, carry the decision out, record it. */
  private async step(run: RunRecord, now: number): Promise<void> {
    const s = this.o.scenarios.get(run.scenario)
    if (run.state === 'running' && !run.abort && s) {
      try {
        run.guardrails = await this.o.readings.guardrails(s, run, now)
      } catch (err) {
        this.log(`gamedays: ${run.id}: guardrail readings failed: ${(err as Error).message.split('\n')[0]}`)
      }
    }
    const d = plan(run, now, run.guardrails, this.marginS * 1000)
    if (!d.start && !d.end && !d.abort && d.apply.length + d.revert.length + d.skip.length + d.expired.length === 0) return
    this.log(`gamedays: ${run.id}: ${d.why}`)
    await this.carryOut(run, s, d, now)
  }

  private async carryOut(run: RunRecord, s: Scenario | undefined, d: Decision, now: number): Promise<void> {
    const byId = new Map(run.steps.map((st) => [st.id, st]))
    if (d.abort) run.abort = d.abort
    if (d.start) {
      run.state = 'running'
      run.started_at = iso(now)
      await this.emit({ name: 'gameday.started', gamedayId: run.id, reason: Date.parse(run.starts_at) > Date.parse(run.created_at) + 1000 ? 'scheduled' : 'manual', scenario: run.scenario }, now)
    }
    for (const id of d.skip) byId.get(id)!.state = 'skipped'
    for (const id of d.expired) {
      const st = byId.get(id)!
      Object.assign(st, { state: 'reverted', reverted_at: iso(now), error: `${st.error ? `${st.error}; ` : ''}not reverted by the controller: expired at the target` })
      await this.record({ ts: now, gamedayId: run.id, stepId: id, target: st.target, change: 'expired', remoteId: st.remote_id ?? '', request: null, status: 0, error: '' })
    }
    for (const id of d.revert) {
      const st = byId.get(id)!
      try {
        const r = await this.o.targets.revert(st.target, st.remote_id!)
        Object.assign(st, { state: 'reverted', reverted_at: iso(now) })
        await this.record({ ts: now, gamedayId: run.id, stepId: id, target: st.target, change: 'revert', remoteId: st.remote_id!, request: null, status: r.status, error: '' })
      } catch (err) {
        st.error = `revert failed: ${(err as Error).message}`.slice(0, 300)
        await this.record({ ts: now, gamedayId: run.id, stepId: id, target: st.target, change: 'revert_failed', remoteId: st.remote_id!, request: null, status: err instanceof TargetError ? err.status : 0, error: st.error })
      }
    }
    for (const id of d.apply) {
      const st = byId.get(id)!
      const spec = s?.steps.find((x) => x.id === id)
      const ctx = { gamedayId: run.id, durationSeconds: Math.max(1, Math.ceil((Date.parse(st.ends_at) - now) / 1000)) + this.marginS, reason: `game day ${run.id}: ${run.scenario}/${id}`.slice(0, 200) }
      try {
        if (!spec) throw new TargetError(0, `scenario ${run.scenario} no longer has step ${id}`)
        const a = await this.o.targets.apply(spec, ctx)
        Object.assign(st, { state: 'applied', applied_at: iso(now), remote_id: a.remoteId })
        await this.record({ ts: now, gamedayId: run.id, stepId: id, target: st.target, change: 'apply', remoteId: a.remoteId, request: a.request, status: a.status, error: '' })
      } catch (err) {
        Object.assign(st, { state: 'failed', error: (err as Error).message.slice(0, 300) })
        await this.record({ ts: now, gamedayId: run.id, stepId: id, target: st.target, change: 'apply_failed', remoteId: '', request: err instanceof TargetError ? err.request : null, status: err instanceof TargetError ? err.status : 0, error: st.error! })
      }
    }
    // End only once nothing is left applied: a failed revert is retried next tick (the target's expiry is the backstop).
    if (d.end && !run.steps.some((st) => st.state === 'applied')) {
      run.state = d.end.state
      run.end_reason = d.end.reason
      run.ended_at = iso(now)
      if (run.started_at) await this.emit({ name: 'gameday.ended', gamedayId: run.id, reason: d.end.reason, scenario: run.scenario }, now)
      if (s && run.started_at) {
        try {
          run.report = await this.o.readings.report(s, run, now)
        } catch (err) {
          this.log(`gamedays: report of ${run.id} failed: ${(err as Error).message.split('\n')[0]}`)
        }
      }
      this.log(`gamedays: ${run.id} ended: ${d.end.reason}`)
    }
    await this.save(run, now)
  }

  private async emit(e: Parameters<EmitEvent>[0], now: number): Promise<void> {
    try {
      await this.o.emit(e, now)
    } catch (err) {
      this.log(`gamedays: could not store ${e.name} of ${e.gamedayId}: ${(err as Error).message.split('\n')[0]}`)
    }
  }

  private async record(c: ChangeRecord): Promise<void> {
    try {
      await this.o.store.change(c)
    } catch (err) {
      this.log(`gamedays: could not record a ${c.change} of ${c.gamedayId}/${c.stepId}: ${(err as Error).message.split('\n')[0]}`)
    }
  }

  private async save(run: RunRecord, now: number): Promise<void> {
    this.version = Math.max(this.version + 1, now)
    await this.o.store.save(run, this.version)
  }

  /** Tick on a timer (the shell's real timers); a failing cycle is logged and the next one runs. */
  start(): void {
    const loop = async () => {
      const t0 = performance.now()
      try {
        await (this.running = this.tick())
      } catch (err) {
        this.log(`gamedays: tick failed: ${(err as Error).message.split('\n')[0]}`)
      } finally {
        this.running = null
      }
      if (this.timer !== null) this.timer = setTimeout(loop, Math.max(0, this.tickMs - (performance.now() - t0)))
    }
    this.timer = setTimeout(loop, 0)
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running?.catch(() => {})
  }
}

/** gd-20261206-1030-a1b2c3: sortable, readable in a URL, unique enough for drills. */
export function newGameDayId(now: number): string {
  const t = new Date(now).toISOString()
  return `gd-${t.slice(0, 10).replace(/-/g, '')}-${t.slice(11, 16).replace(':', '')}-${randomBytes(3).toString('hex')}`
}
