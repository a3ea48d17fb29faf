'use client'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { useSearchParams } from 'next/navigation'
import type { AuditPage as AuditPageBody } from '../../../contract/access'
import { ApiError, hintFor } from '../../_lib/api-client'
import { auditQueryString, readAuditState, type AuditUrlState } from '../../api/audit/params'
import { ErrorState, StatsSkeleton } from '../States'
import { AuditFilters } from './AuditFilters'
import { AuditTable } from './AuditTable'

export type AuditView = AuditPageBody & { window: { from: string | null; to: string | null } }

const POLL_MS = 15_000

async function loadAudit(query: string, signal: AbortSignal): Promise<AuditView> {
  let res: Response
  try {
    res = await fetch(`/api/audit${query ? `?${query}` : ''}`, { signal, cache: 'no-store', headers: { accept: 'application/json' } })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError('the console server is not answering; check that it is running', 0, 'console_unreachable')
  }
  const body = (await res.json().catch(() => null)) as (AuditView & { error?: { code: string; message: string } }) | null
  if (res.status === 401 && body?.error?.code === 'unauthenticated') window.location.assign(`/auth/login?return_to=${encodeURIComponent(`${window.location.pathname}${window.location.search}`)}`)
  if (!res.ok || body === null) throw new ApiError(body?.error?.message ?? `console answered HTTP ${res.status}`, res.status, body?.error?.code ?? 'http_error')
  return body
}

const short = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'the beginning')

/** The audit log: who did what, when, from where, with what result; newest first, paged with `before`. */
export function AuditPage({ me }: { me?: string }) {
  const params = useSearchParams()
  const state = readAuditState(params)
  const query = auditQueryString(state)
  const q = useQuery({
    queryKey: ['audit', query],
    queryFn: ({ signal }) => loadAudit(query, signal),
    // Only the first page follows new records; an older page stays as it was read.
    refetchInterval: state.before ? false : POLL_MS,
    placeholderData: keepPreviousData,
    retry: (count, err) => !(err instanceof ApiError && [400, 401, 403].includes(err.status)) && count < 1,
  })
  const exportQuery = auditQueryString(state, ['before', 'limit'])
  const exportHref = (format: 'csv' | 'ndjson') => `/api/audit/export?format=${format}${exportQuery ? `&${exportQuery}` : ''}`

  let body
  if (q.isPending) body = <div aria-busy="true" aria-label="Loading the audit log"><StatsSkeleton count={1} /></div>
  else if (q.isError && q.error instanceof ApiError && q.error.status === 403) body = <Refused message={q.error.message} />
  else if (q.isError && !q.data) body = <ErrorState title="Could not load the audit log" message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  else if (q.data) body = <AuditBody v={q.data} state={state} me={me} stale={q.isPlaceholderData} />

  return (
    <div className="overview audit-page">
      <AuditFilters state={state} me={me} />
      <div className="audit-bar">
        <span className="refresh" data-testid="audit-window">
          {q.data ? <>From {short(q.data.window.from)} to {q.data.window.to ? short(q.data.window.to) : 'now'}{state.before ? ' · older page' : ''}</> : null}
          {q.isFetching && <span className="spinner" aria-hidden="true" />}
        </span>
        <span className="audit-actions">
          Export every matching record (asks for your second factor again if it is not recent):
          <a className="btn" href={exportHref('csv')} data-testid="audit-export-csv">Export CSV</a>
          <a className="btn" href={exportHref('ndjson')} data-testid="audit-export-ndjson">Export NDJSON</a>
        </span>
      </div>
      {q.isError && q.data && (
        <p className="banner banner-warn" role="status">The last refresh failed ({q.error.message}); showing what was read before.</p>
      )}
      {body}
    </div>
  )
}

function AuditBody({ v, state, me, stale }: { v: AuditView; state: AuditUrlState; me?: string; stale: boolean }) {
  if (v.records.length === 0) {
    return (
      <section className="card state state-empty" aria-labelledby="audit-empty" data-testid="audit-empty">
        <h2 id="audit-empty">{state.before ? 'No older records' : 'No audit records match'}</h2>
        <p>Nothing was recorded from {short(v.window.from)} to {v.window.to ? short(v.window.to) : 'now'}{state.action || state.actor || state.result ? ' with these filters' : ''}.</p>
        <ul className="hints">
          <li>Widen the time range or clear the filters.</li>
          <li>Every sign-in, refused sign-in, sign-out, silence, game day and export is recorded here, as are the collector&apos;s refusals.</li>
        </ul>
      </section>
    )
  }
  const first = auditQueryString(state, ['before'])
  return (
    <div className={stale ? 'overview-body stale' : 'overview-body'} aria-busy={stale}>
      <section className="card audit-card">
        <AuditTable records={v.records} state={state} me={me} />
        <nav className="audit-pager" aria-label="Audit pages">
          {state.before && <Link className="row-link" href={first ? `/audit?${first}` : '/audit'}>← Newest</Link>}
          {v.next ? <Link className="row-link" href={`/audit?${auditQueryString({ ...state, before: v.next })}`} data-testid="audit-older">Older →</Link> : <span>End of the log for this range</span>}
        </nav>
      </section>
    </div>
  )
}

/** A 403 from the route handler (a role without audit.read): the same words as the refusal page. */
function Refused({ message }: { message: string }) {
  return (
    <section className="card state state-error" role="alert" data-testid="page-refused">
      <h2>Not allowed: the audit log</h2>
      <p>{message}</p>
      <p><Link href="/">Back to the overview</Link></p>
    </section>
  )
}
