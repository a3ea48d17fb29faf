import type { ClickHouseClient } from '@clickhouse/client'
import type { AlertStatus, AlertTransition, Attribution, SloStatus } from '../../contract'
import { type DrillWindow, drillWindows, runningAt } from '../gamedays/readings'
import { runSql } from '../query/run'
import { SloCounter, ThresholdReader, type CycleInput } from './collect'
import { fill } from './compile'
import { type DrillTag, nextTag, outgoing } from './drills'
import { evaluate, type EvalOptions } from './evaluate'
import { groupByRootCause } from './grouping'
import { instancesFor } from './instances'
import type { Notifier } from './notify'
import { outbox, type Sent } from './outbox'
import { mutedBy, type Mute } from './silences'
import { shapeAttribution, sloStatus } from './slo-status'
import { OPEN_END, attributionSql, coverageSql } from './sql'
import type { AlertStore, HistoryQuery } from './store'
import { INITIAL, type AlertMemory, type RuleSet } from './types'

/** One turn of the event loop: I/O callbacks (requests waiting on this thread) run first. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve))

export interface EngineOptions {
  client: ClickHouseClient
  store: AlertStore
  rules: RuleSet
  /** The process clock (ms); every decision takes its `now` from here. */
  now: () => number
  intervalS?: number
  /** Base URL of this collector's query API, for runbook_url and generatorURL. */
  publicUrl: string
  alertmanagers?: Notifier[]
  webhooks?: Notifier[]
  /** Maintenance windows from dashboards/maintenance.yaml. */
  fileMutes?: Mute[]
  log?: (line: string) => void
  /** Game-day windows overlapping [from, to) (default: the runs table; none when it does not exist). */
  drills?: (fromMs: number, toMs: number) => Promise<DrillWindow[]>
}

const DAY_MS = 86_400_000
const ATTRIBUTION_TTL_MS = 5 * 60_000

/**
 * The thin shell around the pure parts: every interval it reads counts from ClickHouse,
 * evaluates every alert, records transitions, groups by root cause, applies silences and
 * maintenance windows, and notifies. State lives in memory and resumes from alert_history.
 */
export class AlertEngine {
  readonly counter: SloCounter
  private readonly thresholds: ThresholdReader
  private memory = new Map<string, AlertMemory>()
  private statuses: AlertStatus[] = []
  private input: CycleInput | null = null
  private sent = new Map<string, Sent>()
  private apiMutes: Mute[] = []
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  private sloCache: { at: number; slos: SloStatus[] } | null = null
  /** Attribution over 28-day windows moves slowly: read at most every ATTRIBUTION_TTL_MS. */
  private attribution = new Map<string, { at: number; value: Attribution }>()
  readonly intervalS: number
  /** Where the last cycle spent its time (wall clock, for the bench and logs; no decision reads it). */
  lastCycle: { countsMs: number; thresholdsMs: number; evaluateMs: number; recordNotifyMs: number } | null = null
  private readonly providerSensitive: Set<string>
  private readonly log: (line: string) => void
  /** Alerts that belong to a game day (label gameday), until they are inactive again. */
  private tags = new Map<string, DrillTag>()
  /** Drill windows of the last cycle (over the longest SLO window). */
  private drillList: DrillWindow[] = []
  private readonly longestWindowMs: number

  constructor(private readonly o: EngineOptions) {
    this.counter = new SloCounter(o.client, o.rules)
    this.thresholds = new ThresholdReader(o.client, o.rules)
    this.intervalS = o.intervalS ?? 30
    this.log = o.log ?? (() => {})
    this.longestWindowMs = Math.max(86_400_000, ...o.rules.slos.map((s) => s.windowS * 1000))
    this.providerSensitive = new Set(o.rules.slos.filter((s) => s.vendor || [s.total?.event, s.bad?.event].some((e) => e === 'mfa.provider.request' || e === 'mfa.fallback')).map((s) => s.id))
  }

  get opts(): EvalOptions {
    const r = this.o.rules
    return { keepFiringForS: r.keepFiringForS, missingDataHoldS: r.missingDataHoldS, keepResolvedForS: r.keepResolvedForS, maxGapS: 3 * this.intervalS }
  }

  /** Resume alert states from alert_history and load silences. */
  async init(): Promise<void> {
    for (const s of await this.o.store.lastStates()) {
      this.memory.set(s.alertId, { ...INITIAL, state: s.state, since: s.since, lastActive: s.state === 'firing' ? s.since : null, lastData: s.since })
      // Whether the drill may page is not in the history: it is looked up among running drills, else not.
      if (s.gameday && s.state !== 'inactive') this.tags.set(s.alertId, { id: s.gameday, pages: false })
    }
    this.apiMutes = await this.o.store.mutes()
  }

  mutes(): Mute[] {
    return [...(this.o.fileMutes ?? []), ...this.apiMutes]
  }

  async saveMute(m: Mute): Promise<void> {
    await this.o.store.saveMute(m, this.o.now())
    this.apiMutes = [...this.apiMutes.filter((x) => x.id !== m.id), m]
  }

  history(q: HistoryQuery): Promise<AlertTransition[]> {
    return this.o.store.history(q)
  }

  alerts(): AlertStatus[] {
    return this.statuses
  }

  runbookUrl(name: string): string {
    return `${this.o.publicUrl}/api/v1/runbooks/${name}`
  }

  /** This cycle's drill windows; a failed read keeps the last ones (a drill must not start paging because a query failed). */
  private async readDrills(now: number): Promise<DrillWindow[]> {
    try {
      this.drillList = await (this.o.drills ?? ((f, t) => drillWindows(this.o.client, f, t)))(now - this.longestWindowMs, now + 1)
    } catch (err) {
      this.log(`alerting: reading game days failed, keeping the last ${this.drillList.length}: ${(err as Error).message.split('\n')[0]}`)
    }
    return this.drillList
  }

  /** One evaluation cycle. Returns the transitions it recorded. */
  async tick(): Promise<AlertTransition[]> {
    const now = this.o.now()
    const t0 = performance.now()
    const drills = await this.readDrills(now)
    const active = drills.filter((d) => runningAt(d, now))
    for (const [id, tag] of this.tags) {
      const d = active.find((x) => x.id === tag.id)
      if (d && d.pages !== tag.pages) this.tags.set(id, { ...tag, pages: d.pages })
    }
    await this.counter.refresh(now, drills)
    const t1 = performance.now()
    const thresholds = await this.thresholds.read(now)
    const t2 = performance.now()
    // The cycle's pure work runs on the event loop that also acknowledges OTLP exports: let
    // waiting requests through between its larger steps (tens of ms each at a month of buckets)
    // rather than holding them for the whole cycle.
    await breathe()
    const windows = this.counter.windows(now)
    await breathe()
    const sloWindow = this.counter.sloWindow(now)
    await breathe()
    const input: CycleInput = { nowMs: now, windows, sloWindow, thresholds }
    const slos = new Map(this.o.rules.slos.map((s) => [s.id, s]))
    const evaluated = instancesFor(this.o.rules, this.counter.index, input, this.memory.keys()).map((instance) => {
      let inst = instance
      const prev = this.memory.get(inst.id) ?? INITIAL
      const e = evaluate(prev, inst.samples, inst.rule, now, this.opts)
      this.memory.set(inst.id, e.state)
      const tag = nextTag(this.tags.get(inst.id), prev.state, e.state.state, { labels: inst.labels, slo: inst.rule.slo }, active)
      if (tag) {
        this.tags.set(inst.id, tag)
        inst = { ...inst, labels: { ...inst.labels, gameday: tag.id } }
      } else this.tags.delete(inst.id)
      return { inst, prev, e }
    })
    await breathe()
    const groups = groupByRootCause(evaluated.map(({ inst, e }) => ({
      id: inst.id, state: e.state.state, severity: inst.rule.severity, labels: inst.labels, value: e.value, providerSensitive: inst.rule.slo !== null && this.providerSensitive.has(inst.rule.slo),
    })), new Set(this.statuses.filter((a) => a.group !== null && a.grouped_under === null).map((a) => a.id)))
    await breathe()
    const mutes = this.mutes()
    const transitions: AlertTransition[] = []
    // Published together, after the last yield: slos() never pairs this cycle's counts with the
    // last cycle's firing alerts.
    this.input = input
    this.sloCache = null
    this.statuses = evaluated.map(({ inst, prev, e }) => {
      const r = inst.rule
      const slo = r.slo ? slos.get(r.slo) : undefined
      const values = { ...inst.labels, value: e.value, objective: slo?.objective, description: slo?.description, user_group: inst.labels.user_group ?? 'all groups' }
      const g = groups.get(inst.id)!
      const status: AlertStatus = {
        id: inst.id, rule_id: r.id.split(':').slice(0, r.kind === 'threshold' ? 1 : 2).join(':'), alertname: r.alertname, kind: r.kind, severity: r.severity,
        state: e.state.state, since: e.state.lastEval === null ? null : new Date(e.state.since).toISOString(), for_seconds: r.forS, slo: r.slo,
        labels: inst.labels, annotations: { summary: fill(r.summary, values), description: fill(r.description, values), runbook_url: this.runbookUrl(r.runbook) },
        runbook: r.runbook, reason: e.reason, value: e.value, group: g.group, grouped_under: g.groupedUnder, grouped: g.grouped,
        silenced_by: mutedBy(mutes, inst.labels, now, 'silence'), in_maintenance: mutedBy(mutes, inst.labels, now, 'maintenance'), last_evaluated: new Date(now).toISOString(),
      }
      if (e.changed) {
        transitions.push({
          ts: new Date(now).toISOString(), alert_id: inst.id, rule_id: status.rule_id, alertname: r.alertname, severity: r.severity, from: prev.state, to: e.state.state,
          reason: e.reason, value: e.value, labels: inst.labels, suppressed: status.silenced_by.length > 0 || status.in_maintenance.length > 0,
        })
      }
      return status
    })
    const t3 = performance.now()
    await this.o.store.record(transitions)
    await this.notify(now)
    this.lastCycle = { countsMs: t1 - t0, thresholdsMs: t2 - t1, evaluateMs: t3 - t2, recordNotifyMs: performance.now() - t3 }
    return transitions
  }

  private async notify(now: number): Promise<void> {
    // Drill alerts that may not page go out with severity "drill" (drills.ts).
    const box = outbox(this.statuses.map((a) => outgoing(a, this.tags.get(a.id))), this.sent, now, { intervalS: this.intervalS, generatorURL: (a) => `${this.o.publicUrl}/api/v1/alerts?id=${encodeURIComponent(a.id)}` })
    this.sent = box.sent
    const sends = [
      ...(this.o.alertmanagers ?? []).map((n) => n.send(box.alertmanager, now)),
      ...(this.o.webhooks ?? []).map((n) => n.send(box.changes, now)),
    ]
    for (const r of await Promise.allSettled(sends)) if (r.status === 'rejected') this.log(`alerting: notification failed: ${(r.reason as Error).message}`)
  }

  /** SLO statuses with attribution (queried on demand, cached for one interval). */
  async slos(): Promise<SloStatus[]> {
    const now = this.o.now()
    if (this.sloCache && now - this.sloCache.at < this.intervalS * 1000 && now >= this.sloCache.at) return this.sloCache.slos
    const out: SloStatus[] = []
    const spans = { from: this.drillList.map((d) => d.startMs), to: this.drillList.map((d) => d.endMs ?? OPEN_END) }
    const drillsIn = (windowS: number) => this.drillList.filter((d) => d.startMs < now && (d.endMs ?? OPEN_END) > now - windowS * 1000).length
    for (const slo of this.o.rules.slos) {
      const firing = this.statuses.filter((a) => a.slo === slo.id && a.state === 'firing').map((a) => a.id)
      const i = this.counter.index.get(slo.id) ?? -1
      if (slo.kind === 'coverage') {
        const rows = await runSql(this.o.client, coverageSql(slo.coverageGroup!, now - 30 * DAY_MS, now + 1))
        const total = Math.max(0, ...rows.map((r) => Number(r.total)))
        const coverage = rows.length === 0 || total === 0 ? null : { good: Math.max(...rows.map((r) => Number(r.enrolled))), total }
        out.push(sloStatus(slo, i, this.o.rules, this.input, { attribution: { factor: [], provider: [], region: [], user_group: [] }, hourly: [], coverage, firing }))
        continue
      }
      const cached = this.attribution.get(slo.id)
      const attribution = cached && now - cached.at < ATTRIBUTION_TTL_MS && now >= cached.at ? cached.value : shapeAttribution(await runSql(this.o.client, attributionSql(slo, now - slo.windowS * 1000, now + 1, spans)))
      if (attribution !== cached?.value) this.attribution.set(slo.id, { at: now, value: attribution })
      out.push(sloStatus(slo, i, this.o.rules, this.input, { attribution, hourly: this.counter.hourly(slo.id, now), coverage: null, firing, drillWindows: slo.excludeDrills ? drillsIn(slo.windowS) : 0 }))
    }
    this.sloCache = { at: now, slos: out }
    return out
  }

  /** Evaluate every interval (real timers: this is the shell); a failing cycle is logged, the next one runs. */
  start(): void {
    const loop = async () => {
      const t0 = performance.now()
      try {
        const tr = await (this.running = this.tick())
        if (tr.length > 0) this.log(`alerting: ${tr.length} transition(s): ${tr.slice(0, 5).map((t) => `${t.alert_id} ${t.from}→${t.to}`).join(', ')}`)
      } catch (err) {
        this.log(`alerting: evaluation failed: ${(err as Error).message.split('\n')[0]}`)
      } finally {
        this.running = null
      }
      if (this.timer !== null) this.timer = setTimeout(loop, Math.max(0, this.intervalS * 1000 - (performance.now() - t0)))
    }
    this.timer = setTimeout(loop, 0)
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running?.catch(() => {})
  }
}
