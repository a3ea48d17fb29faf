'use client'
import { POLL_MS } from '../_lib/api-client'

/** The parts of a React Query result the status line reads. */
interface Polled {
  data?: { generatedAt: string }
  isFetching: boolean
  isError: boolean
  error: Error | null
  refetch: () => unknown
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false })
}

/** "Last 1 hour · ● Updated 12:04:05 · every 10 s" at the end of a page's toolbar. */
export function RefreshStatus({ range, q }: { range?: string; q: Polled }) {
  return (
    <span className="refresh">
      {range && <span className="range-label">{range}</span>}
      {q.data && (
        <span>
          {q.isFetching ? <span className="spinner" aria-hidden="true" /> : <span className={q.isError ? 'live-dot live-dot-stale' : 'live-dot'} aria-hidden="true" />}
          Updated {clock(q.data.generatedAt)} · every {POLL_MS / 1000} s
        </span>
      )}
    </span>
  )
}

/** A failed poll keeps the last data on screen and says so, with a retry. */
export function StaleBanner({ q }: { q: Polled }) {
  if (!q.isError || !q.data) return null
  return (
    <p className="banner banner-warn" role="alert">
      Live update failed: {q.error?.message}. Showing data from {clock(q.data.generatedAt)}.{' '}
      <button type="button" className="link-btn" onClick={() => void q.refetch()}>
        Retry now
      </button>
    </p>
  )
}
