'use client'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { type FormEvent, useId } from 'react'
import { AUDIT_RESULTS } from '../../../contract/access'
import { AUDIT_RANGE_IDS, auditQueryString, type AuditUrlState, DEFAULT_AUDIT_RANGE } from '../../api/audit/params'

const RANGE_LABEL: Record<string, string> = { '1h': '1h', '24h': '24h', '7d': '7d', '30d': '30d', all: 'All' }

/** Time range, action, actor and result; every change is a navigation (the URL is the state) back to the first page. */
export function AuditFilters({ state, me }: { state: AuditUrlState; me?: string }) {
  const router = useRouter()
  const ids = useId()
  const go = (next: AuditUrlState) => {
    const q = auditQueryString(next, ['before'])
    router.push(q ? `/audit?${q}` : '/audit', { scroll: false })
  }
  const active = state.from || state.to ? 'custom' : (state.range ?? DEFAULT_AUDIT_RANGE)
  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    go({ ...state, action: String(f.get('action') ?? '').trim(), actor: String(f.get('actor') ?? '').trim(), result: String(f.get('result') ?? '') })
  }
  return (
    <div className="toolbar">
      <fieldset className="segmented">
        <legend className="sr-only">Time range</legend>
        {AUDIT_RANGE_IDS.map((r) => (
          <label key={r} className={active === r ? 'seg seg-on' : 'seg'}>
            <input type="radio" name={`${ids}-range`} value={r} checked={active === r} onChange={() => go({ ...state, from: undefined, to: undefined, range: r })} />
            {RANGE_LABEL[r]}
          </label>
        ))}
        {active === 'custom' && <span className="seg seg-on">Custom</span>}
      </fieldset>
      {/* key: the inputs show the URL's values again after a navigation. */}
      <form key={auditQueryString(state)} className="audit-filters" onSubmit={apply} aria-label="Audit filters">
        <label htmlFor={`${ids}-action`}>Action
          <input id={`${ids}-action`} name="action" defaultValue={state.action ?? ''} placeholder="e.g. auth.sign_in" pattern="[a-z0-9_.]{1,80}" />
        </label>
        <label htmlFor={`${ids}-actor`}>Actor (user hash or token:role)
          <input id={`${ids}-actor`} name="actor" defaultValue={state.actor ?? ''} placeholder="hash, token:viewer, anonymous" />
        </label>
        <label htmlFor={`${ids}-result`}>Result
          <select id={`${ids}-result`} name="result" defaultValue={state.result ?? ''}>
            <option value="">All results</option>
            {AUDIT_RESULTS.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit" className="btn btn-primary">Apply</button>
        {(state.action || state.actor || state.result) && (
          <button type="button" className="btn" onClick={() => go({ range: state.range, from: state.from, to: state.to })}>Clear</button>
        )}
        {me && state.actor !== me && <Link className="row-link" href={`/audit?${auditQueryString({ ...state, actor: me }, ['before'])}`}>Only my actions</Link>}
      </form>
    </div>
  )
}
