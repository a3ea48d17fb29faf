import type { AlertStatus } from '../../contract'
import type { OutgoingAlert } from './notify'

export interface Sent { alert: OutgoingAlert; firstSent: number }

export interface Outbox {
  /** Everything Alertmanager should hear this cycle: firing roots (re-sent) and fresh resolutions. */
  alertmanager: OutgoingAlert[]
  /** Only what changed (newly firing, resolved): for webhooks, which do not deduplicate. */
  changes: OutgoingAlert[]
  sent: Map<string, Sent>
}

/**
 * Decide what to notify. An alert is notified while it fires, is not silenced or in a
 * maintenance window, and is the root of its group. Firing alerts carry endsAt a few cycles
 * ahead (so Alertmanager resolves them by itself if the collector dies); an alert that stops
 * firing is sent once more with endsAt = now. A silenced alert simply stops being sent.
 */
export function outbox(alerts: readonly AlertStatus[], prev: ReadonlyMap<string, Sent>, now: number, opts: { intervalS: number; generatorURL: (a: AlertStatus) => string }): Outbox {
  const sent = new Map<string, Sent>()
  const alertmanager: OutgoingAlert[] = []
  const changes: OutgoingAlert[] = []
  const byId = new Map(alerts.map((a) => [a.id, a]))
  for (const a of alerts) {
    const notifiable = a.state === 'firing' && a.silenced_by.length === 0 && a.in_maintenance.length === 0 && a.grouped_under === null
    if (!notifiable) continue
    const related: Record<string, string> = a.grouped.length > 0 ? { related: a.grouped.join(', ') } : {}
    const out: OutgoingAlert = {
      labels: a.labels,
      annotations: { ...a.annotations, ...related },
      startsAt: a.since ?? new Date(now).toISOString(),
      endsAt: new Date(now + 4 * opts.intervalS * 1000).toISOString(),
      generatorURL: opts.generatorURL(a),
    }
    alertmanager.push(out)
    const before = prev.get(a.id)
    if (!before) changes.push(out)
    sent.set(a.id, { alert: out, firstSent: before?.firstSent ?? now })
  }
  for (const [id, s] of prev) {
    if (sent.has(id)) continue
    const a = byId.get(id)
    const muted = a !== undefined && a.state === 'firing' && (a.silenced_by.length > 0 || a.in_maintenance.length > 0)
    if (muted) continue
    const resolved = { ...s.alert, endsAt: new Date(now).toISOString() }
    alertmanager.push(resolved)
    changes.push(resolved)
  }
  return { alertmanager, changes, sent }
}
