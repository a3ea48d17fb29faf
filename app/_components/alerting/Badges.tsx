import type { AlertState, Severity } from '../../_lib/alerting-api'
import { formatAge, formatDateTime } from '../../_lib/format'

const STATE_CLASS: Record<AlertState, string> = { firing: 'badge badge-bad', pending: 'badge badge-warn', resolved: 'badge badge-ok', inactive: 'badge badge-neutral' }

export function StateBadge({ state }: { state: AlertState }) {
  return <span className={STATE_CLASS[state]} data-testid="alert-state">{state}</span>
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={severity === 'page' ? 'badge badge-page' : 'badge badge-info'}>{severity}</span>
}

/** "14 min ago", with the exact time for hover and for screen readers. */
export function Since({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <span className="al-muted">never evaluated</span>
  const ms = Date.parse(iso)
  return (
    <time dateTime={iso} title={formatDateTime(ms)}>
      {formatAge(now - ms)} ago
    </time>
  )
}

export function Labels({ labels, skip = ['alertname', 'severity'] }: { labels: Record<string, string>; skip?: string[] }) {
  const entries = Object.entries(labels).filter(([k]) => !skip.includes(k))
  if (!entries.length) return null
  return (
    <span className="al-labels">
      {entries.map(([k, v]) => (
        <span key={k} className="al-label">
          {k}={v}
        </span>
      ))}
    </span>
  )
}
