import Link from 'next/link'
import type { AuditRecord } from '../../../contract/access'
import { auditQueryString, type AuditUrlState } from '../../api/audit/params'

const RESULT_BADGE: Record<AuditRecord['result'], string> = { ok: 'badge badge-ok', denied: 'badge badge-bad', error: 'badge badge-warn' }
const COLUMNS = ['Time (UTC)', 'Who', 'Role', 'Action', 'Target', 'Result', 'Status', 'Source IP', 'Request id', 'Detail']

/** "2026-12-07 01:58:09.123" from the record's ISO time. */
const when = (iso: string) => iso.replace('T', ' ').replace('Z', '')

/** A user hash shortened (the whole of it on hover); `token:<role>` and `anonymous` as they are. */
function Who({ actor, state, me }: { actor: string; state: AuditUrlState; me?: string }) {
  const short = /^(token:|anonymous$)/.test(actor) ? actor : `${actor.slice(0, 10)}…`
  const href = `/audit?${auditQueryString({ ...state, actor }, ['before'])}`
  return (
    <Link href={href} className="audit-who" title={`${actor} — show only this actor's actions`}>
      <code className="hash">{short}</code>
      {me !== undefined && actor === me && <span className="audit-you">you</span>}
    </Link>
  )
}

/** The audit records of one page, newest first. */
export function AuditTable({ records, state, me }: { records: AuditRecord[]; state: AuditUrlState; me?: string }) {
  return (
    <div className="table-wrap audit-table" role="region" aria-label="Audit records, newest first" tabIndex={0} data-testid="audit-table">
      <table className="health">
        <caption className="sr-only">Audit records, newest first</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c} scope="col" className={c === 'Status' ? 'num' : undefined}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={`${i}-${r.ts}-${r.request_id}-${r.action}`} data-testid="audit-row" data-action={r.action} data-result={r.result} className={r.result === 'ok' ? undefined : 'row-bad'}>
              <th scope="row"><time dateTime={r.ts}>{when(r.ts)}</time></th>
              <td><Who actor={r.actor} state={state} me={me} /></td>
              <td>{r.role}</td>
              <td><code>{r.action}</code>{r.source === 'console' && <span className="audit-src"> console</span>}</td>
              <td className="audit-wrap">{r.target || <span className="muted">—</span>}</td>
              <td><span className={RESULT_BADGE[r.result]}>{r.result}</span></td>
              <td className="num">{r.status}</td>
              <td><code>{r.source_ip || '—'}</code></td>
              <td><code className="hash" title={r.request_id}>{r.request_id ? `${r.request_id.slice(0, 8)}…` : '—'}</code></td>
              <td className="audit-wrap" title={r.route}>{r.detail || <span className="muted">{r.route}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
