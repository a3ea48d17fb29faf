import { formatDateTime } from '../_lib/format'

/** Loading, empty and error states of the console's pages: designed, never a blank panel. */

/** Placeholder stat cards and chart cards, shared by the pages' loading states. */
export function StatsSkeleton({ count = 5 }: { count?: number }) {
  return (
    <div className="stats">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="card stat">
          <div className="skel" style={{ width: '55%', height: 12 }} />
          <div className="skel" style={{ width: '70%', height: 30, marginTop: 12 }} />
          <div className="skel" style={{ width: '45%', height: 12, marginTop: 12 }} />
        </div>
      ))}
    </div>
  )
}

export function ChartsSkeleton() {
  return (
    <div className="charts">
      {Array.from({ length: 2 }, (_, i) => (
        <div key={i} className="card chart-card">
          <div className="skel" style={{ width: '40%', height: 14 }} />
          <div className="skel" style={{ height: 220, marginTop: 16 }} />
        </div>
      ))}
    </div>
  )
}

/** `toolbar`: also stand in for the picker (the page-level fallback, before the URL is read). */
export function ToolbarSkeleton() {
  return (
    <div className="toolbar">
      <div className="skel" style={{ width: 360, height: 32 }} />
    </div>
  )
}

export function OverviewSkeleton({ toolbar = false }: { toolbar?: boolean }) {
  return (
    <div aria-busy="true" aria-label="Loading overview" className="overview">
      {toolbar && <ToolbarSkeleton />}
      <StatsSkeleton />
      <ChartsSkeleton />
      <div className="card chart-card">
        <div className="skel" style={{ width: '30%', height: 14 }} />
        <div className="skel" style={{ height: 200, marginTop: 16 }} />
      </div>
    </div>
  )
}

export function EmptyState({ from, to }: { from: string; to: string }) {
  return (
    <section className="card state state-empty" aria-labelledby="empty-title">
      <svg viewBox="0 0 48 48" className="state-icon" aria-hidden="true">
        <rect x="6" y="10" width="36" height="28" rx="4" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M12 30h6l3-6 4 8 3-5h8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <h2 id="empty-title">No MFA events in this range yet</h2>
      <p>
        Nothing reached the collector between <time dateTime={from}>{formatDateTime(Date.parse(from))}</time> and{' '}
        <time dateTime={to}>{formatDateTime(Date.parse(to))}</time>. Is the IdP sending to the collector?
      </p>
      <ul className="hints">
        <li>
          Point your IdP&apos;s OpenTelemetry exporter at the collector: <code>OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318</code>
        </li>
        <li>
          Generate demo logins against the reference IdP: <code>npm run traffic -- --duration 5m</code>
        </li>
        <li>Widen the time range or clear the filters.</li>
      </ul>
    </section>
  )
}

export function ErrorState(props: { message: string; hint?: string; onRetry: () => void; retrying: boolean; title?: string }) {
  const { message, hint, onRetry, retrying, title = 'Could not load the overview' } = props
  return (
    <section className="card state state-error" role="alert" aria-labelledby="error-title">
      <svg viewBox="0 0 48 48" className="state-icon" aria-hidden="true">
        <circle cx="24" cy="24" r="18" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M24 14v12M24 32v1" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
      </svg>
      <h2 id="error-title">{title}</h2>
      <p className="error-message">{message}</p>
      {hint && <p className="error-hint">{hint}</p>}
      <button type="button" className="btn btn-primary" onClick={onRetry} disabled={retrying}>
        {retrying ? 'Retrying…' : 'Retry'}
      </button>
    </section>
  )
}
