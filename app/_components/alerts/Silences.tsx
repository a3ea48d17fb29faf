'use client'
import { type FormEvent, useId, useState } from 'react'
import { useSilenceMutations } from '../../_lib/api-client'
import { useCan } from '../Permissions'
import type { Silence } from '../../_lib/alerting-api'
import { formatAge, formatDateTime } from '../../_lib/format'
import { formatMatcher, parseMatchers, SILENCE_DURATIONS } from '../../_lib/silences'

const STATE_BADGE: Record<Silence['state'], string> = { active: 'badge badge-warn', pending: 'badge badge-info', expired: 'badge badge-neutral' }

/** Create a silence (matchers prefilled from the alert picked in the rules table) and expire them. */
export function Silences({ silences, prefill, now }: { silences: Silence[]; prefill: string; now: number }) {
  const canWrite = useCan('silences.write')
  return (
    <section className="card al-section" aria-labelledby="silences-title" id="silences">
      <header className="al-head">
        <h2 id="silences-title" className="al-title">Silences</h2>
        <span className="al-sub">hold back notifications for matching alerts; their history is still kept</span>
      </header>
      {/* Keyed on the prefill so picking another alert's "Silence" starts a fresh form. */}
      {canWrite ? <SilenceForm key={prefill} prefill={prefill} /> : <p className="al-sub">Creating and expiring silences needs the sre role or stronger.</p>}
      {silences.length === 0 ? (
        <p className="al-empty">No silences.</p>
      ) : (
        <SilenceTable silences={silences} now={now} />
      )}
    </section>
  )
}

function SilenceForm({ prefill }: { prefill: string }) {
  const ids = useId()
  const { create } = useSilenceMutations()
  const [matchers, setMatchers] = useState(prefill)
  const [touched, setTouched] = useState(false)
  const parsed = parseMatchers(matchers)
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    setTouched(true)
    if (!parsed.ok) return
    const f = new FormData(e.currentTarget)
    create.mutate({ matchers, durationMinutes: Number(f.get('duration')), comment: String(f.get('comment') ?? ''), createdBy: String(f.get('createdBy') ?? '') })
  }
  const matcherError = touched && !parsed.ok ? parsed.error : null
  return (
    <form className="sil-form" onSubmit={submit} aria-label="New silence">
      <div className="full">
        <label htmlFor={`${ids}-m`}>Matchers</label>
        <textarea
          id={`${ids}-m`}
          name="matchers"
          value={matchers}
          onChange={(e) => setMatchers(e.target.value)}
          onBlur={() => setTouched(true)}
          aria-invalid={matcherError ? true : undefined}
          aria-describedby={`${ids}-mh`}
          required
        />
        <p id={`${ids}-mh`} className={matcherError ? 'field-error sil-help' : 'sil-help'}>
          {matcherError ?? 'Labels to match, separated by commas: alertname="VendorCircuitOpen", vendor=~"twilio|vonage", severity!="ticket"'}
        </p>
      </div>
      <div>
        <label htmlFor={`${ids}-d`}>Duration</label>
        <select id={`${ids}-d`} name="duration" defaultValue="120">
          {SILENCE_DURATIONS.map((d) => (
            <option key={d.minutes} value={d.minutes}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${ids}-c`}>Created by</label>
        <input id={`${ids}-c`} name="createdBy" autoComplete="username" required maxLength={100} />
      </div>
      <div className="full">
        <label htmlFor={`${ids}-r`}>Comment</label>
        <input id={`${ids}-r`} name="comment" required maxLength={500} placeholder="Why, and a ticket or incident id" />
      </div>
      <div className="sil-foot">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create silence'}
        </button>
        <span role="status">
          {create.isSuccess && <span className="sil-ok">Silence {create.data.id} created.</span>}
        </span>
        {create.isError && (
          <span className="field-error" role="alert">
            {create.error.message}
          </span>
        )}
      </div>
    </form>
  )
}

function SilenceTable({ silences, now }: { silences: Silence[]; now: number }) {
  const { expire } = useSilenceMutations()
  const canWrite = useCan('silences.write')
  return (
    <div className="al-wrap">
      {expire.isError && (
        <p className="field-error" role="alert">
          Could not expire: {expire.error.message}
        </p>
      )}
      <table className="al-table" data-testid="silences">
        <caption className="sr-only">Silences</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Matchers</th>
            <th scope="col">Ends</th>
            <th scope="col">By</th>
            <th scope="col">Comment</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {silences.map((s) => {
            const ends = Date.parse(s.endsAt)
            return (
              <tr key={s.id} data-testid={`silence-${s.id}`}>
                <td><span className={STATE_BADGE[s.state]}>{s.state}</span></td>
                <th scope="row">
                  <span className="al-labels">
                    {s.matchers.map((m, i) => (
                      <span key={i} className="al-label">{formatMatcher(m)}</span>
                    ))}
                  </span>
                </th>
                <td>
                  <time dateTime={s.endsAt} title={formatDateTime(ends)}>
                    {ends > now ? `in ${formatAge(ends - now)}` : `${formatAge(now - ends)} ago`}
                  </time>
                </td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                <td>
                  {s.state !== 'expired' && canWrite && (
                    <button type="button" className="btn btn-small btn-danger" onClick={() => expire.mutate(s.id)} disabled={expire.isPending && expire.variables === s.id}>
                      Expire<span className="sr-only"> silence {s.id}</span>
                    </button>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
