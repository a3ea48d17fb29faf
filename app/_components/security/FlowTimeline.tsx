'use client'
import Link from 'next/link'
import { hintFor, useFlow } from '../../_lib/api-client'
import { formatDateTime, formatMs, humanize } from '../../_lib/format'
import type { FlowTimeline } from '../../_lib/security-api'
import { DataTable } from './DataTable'

/** One flow: its events in order with the time between steps, and the trace waterfall under them. */
export function FlowPanel({ flow, closeHref }: { flow: string; closeHref: string }) {
  const q = useFlow(flow)
  return (
    <section className="card sec-card" aria-labelledby="flow-title" data-testid="flow-panel">
      <h2 id="flow-title" className="section-title">Flow <code className="hash">{flow}</code> <Link href={closeHref} className="back-link">Close</Link></h2>
      {q.isPending ? <div className="skel" style={{ height: 120 }} /> : q.isError ? (
        <p className="banner banner-bad" role="alert">{q.error.message} {hintFor(q.error)}</p>
      ) : q.data.events.length === 0 ? (
        <p className="muted inline-empty">No event of this flow in the last 30 days.</p>
      ) : <FlowBody t={q.data} />}
    </section>
  )
}

function FlowBody({ t }: { t: FlowTimeline }) {
  const start = Math.min(0, ...t.spans.map((s) => s.offset_ms))
  const end = Math.max(...t.events.map((e) => e.since_start_ms), ...t.spans.map((s) => s.offset_ms + s.duration_ms), 1)
  const pos = (ms: number) => `${((ms - start) / (end - start)) * 100}%`
  return (
    <>
      <DataTable testId="flow-events" caption="Events of the flow in order" columns={['When', 'Event', 'Outcome', 'Reason', 'Factor / provider', 'Since previous', 'Latency']} num={[5, 6]} empty="No events."
        rows={t.events.map((e) => [formatDateTime(Date.parse(e.ts)), e.event, e.outcome ? humanize(e.outcome) : '—', e.reason ?? '—', [e.factor, e.provider].filter(Boolean).join(' / ') || '—', formatMs(e.since_prev_ms), formatMs(e.latency_ms)])} />
      <h3>Trace waterfall <span className="chart-sub">{t.spans.length} spans from otel_traces, time from the flow&apos;s first event</span></h3>
      {t.spans.length === 0 ? <p className="muted inline-empty">No spans stored for this flow&apos;s traces (is the IdP exporting traces to the collector?).</p> : (
        <div className="waterfall" role="list" aria-label="Spans of the flow" data-testid="waterfall">
          {t.events.map((e, i) => (
            <div key={`e${i}`} className="wf-row" role="listitem">
              <span className="wf-name" title={e.event}>◆ {e.event.replace('mfa.', '')}{e.reason ? ` (${e.reason})` : ''}</span>
              <span className="wf-track" role="img" aria-label={`at ${formatMs(e.since_start_ms)}`}><span className="wf-bar wf-event" style={{ left: pos(e.since_start_ms) }} /></span>
              <span className="wf-dur">{formatMs(e.since_start_ms)}</span>
            </div>
          ))}
          {t.spans.map((s) => (
            <div key={s.span_id} className="wf-row" role="listitem">
              <span className="wf-name" style={{ paddingLeft: s.depth * 14 }} title={`${s.service}: ${s.name}`}>{s.name}</span>
              <span className="wf-track" role="img" aria-label={`starts at ${formatMs(Math.max(0, s.offset_ms))}, ${s.status}`}>
                <span className={s.status === 'Error' ? 'wf-bar wf-error' : 'wf-bar'} style={{ left: pos(s.offset_ms), width: `${(s.duration_ms / (end - start)) * 100}%` }} />
              </span>
              <span className="wf-dur">{formatMs(s.duration_ms)}</span>
            </div>
          ))}
        </div>
      )}
    </>
  )
}
