import type { AlertState, AlertStatus } from '../../contract'
import type { DrillWindow } from '../gamedays/readings'

/**
 * Alerts during game days (docs/alerting.md, "Drills"). An alert that becomes live while a drill
 * runs, and that the drill could have caused, carries the label gameday=<id> until it is inactive
 * again; drill alerts are sent with severity "drill" (the rule's own severity in drill_severity)
 * unless the scenario says `pages: true`. Pure functions; the engine calls them each cycle.
 */

/** What the engine remembers about an alert's drill. */
export interface DrillTag { id: string; pages: boolean }

/**
 * Could this drill have caused the alert? An alert naming a vendor belongs to a drill that
 * touches that vendor; an SLO alert naming none (M1, fallback, provider impact) to any drill;
 * other threshold alerts (lockouts, break-glass, telemetry silence, enrollment) to none: a
 * provider drill does not cause them, so they page as usual and trip the unrelated_page guardrail.
 */
export function drillFor(alert: { labels: Readonly<Record<string, string>>; slo: string | null }, active: readonly DrillWindow[]): DrillWindow | null {
  const vendor = alert.labels.vendor
  for (const d of active) {
    if (vendor ? d.vendors.includes(vendor) : alert.slo !== null) return d
  }
  return null
}

/**
 * The drill an alert belongs to after this evaluation. Attribution happens once, when the alert
 * leaves inactive while a drill runs, and sticks until it is inactive again: labels (and so
 * Alertmanager's fingerprint) never change while it fires, and an alert that was already live
 * before the drill (a real incident) is never relabelled.
 */
export function nextTag(prev: DrillTag | undefined, prevState: AlertState, state: AlertState, alert: { labels: Readonly<Record<string, string>>; slo: string | null }, active: readonly DrillWindow[]): DrillTag | undefined {
  if (state === 'inactive') return undefined
  if (prev) return prev
  if (prevState !== 'inactive') return undefined
  const d = drillFor(alert, active)
  return d ? { id: d.id, pages: d.pages } : undefined
}

/** The alert as it is sent out: a drill alert that may not page goes out with severity "drill". */
export function outgoing(a: AlertStatus, tag: DrillTag | undefined): AlertStatus {
  if (!tag || tag.pages) return a
  return {
    ...a,
    labels: { ...a.labels, severity: 'drill', drill_severity: a.labels.severity ?? a.severity },
    annotations: { ...a.annotations, summary: `[game day ${tag.id}] ${a.annotations.summary}` },
  }
}
