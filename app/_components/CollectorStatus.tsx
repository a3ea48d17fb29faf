'use client'
import { useHealth } from '../_lib/api-client'

/** Header pill: whether the console can reach the collector's query API. */
export function CollectorStatus() {
  const { data, isPending, isError, error } = useHealth()
  let tone = 'pending'
  let label = 'Checking collector…'
  let title = ''
  if (isError) {
    tone = 'down'
    label = 'Console API unavailable'
    title = error.message
  } else if (data) {
    tone = data.status
    label = data.status === 'up' ? 'Collector connected' : 'Collector unreachable'
    title = data.message
  }
  return (
    <div className={`status-pill status-${tone}`} title={title} data-testid="collector-status">
      <span className="status-dot" aria-hidden="true" />
      <span role="status">{label}</span>
      {/* Outside the live region: a latency that changes every poll should not be announced. */}
      {data?.status === 'up' && data.latencyMs !== null && <span aria-hidden="true">· {data.latencyMs} ms</span>}
      {!isPending && data && <span className="status-url">{data.collectorUrl.replace(/^https?:\/\//, '')}</span>}
    </div>
  )
}
