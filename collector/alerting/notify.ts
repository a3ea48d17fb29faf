import { createHash } from 'node:crypto'
import type { AlertAnnotations } from '../../contract'

/** One alert as sent out: Alertmanager's PostableAlert (API v2). */
export interface OutgoingAlert {
  labels: Record<string, string>
  annotations: AlertAnnotations & Record<string, string>
  startsAt: string
  endsAt: string
  generatorURL: string
}

/** Alertmanager-style fingerprint: stable hash of the sorted label set. */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const text = Object.keys(labels).sort().map((k) => `${k}\u0000${labels[k]}`).join('\u0001')
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

/**
 * Webhook payload version 4, as Alertmanager's webhook receiver sends it, so anything that
 * consumes Alertmanager webhooks consumes ours.
 */
export function webhookPayload(alerts: readonly OutgoingAlert[], now: number, externalURL: string): Record<string, unknown> {
  const firing = alerts.some((a) => Date.parse(a.endsAt) > now)
  const common = <T extends Record<string, string>>(sets: readonly T[]): Record<string, string> => {
    if (sets.length === 0) return {}
    return Object.fromEntries(Object.entries(sets[0]).filter(([k, v]) => sets.every((s) => s[k] === v)))
  }
  const groupLabels = alerts.length > 0 ? { alertname: common(alerts.map((a) => a.labels)).alertname ?? 'FactorWatch' } : {}
  return {
    version: '4',
    groupKey: `{}:${JSON.stringify(groupLabels)}`,
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'factorwatch',
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations as Record<string, string>)),
    externalURL,
    alerts: alerts.map((a) => ({ status: Date.parse(a.endsAt) > now ? 'firing' : 'resolved', ...a, fingerprint: fingerprint(a.labels) })),
  }
}

export interface Notifier { send(alerts: readonly OutgoingAlert[], now: number): Promise<void> }

type Fetch = typeof fetch

/** POST /api/v2/alerts of an Alertmanager (a JSON array of PostableAlert). */
export function alertmanagerNotifier(baseUrl: string, fetchFn: Fetch = fetch, log: (l: string) => void = () => {}): Notifier {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`
  return {
    async send(alerts) {
      if (alerts.length === 0) return
      const res = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts), signal: AbortSignal.timeout(10_000) })
      if (!res.ok) log(`alerting: Alertmanager ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    },
  }
}

/** An Alertmanager-style webhook (payload version 4). */
export function webhookNotifier(url: string, externalURL: string, fetchFn: Fetch = fetch, log: (l: string) => void = () => {}): Notifier {
  return {
    async send(alerts, now) {
      if (alerts.length === 0) return
      const res = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(webhookPayload(alerts, now, externalURL)), signal: AbortSignal.timeout(10_000) })
      if (!res.ok) log(`alerting: webhook ${new URL(url).host} answered ${res.status}`)
    },
  }
}
