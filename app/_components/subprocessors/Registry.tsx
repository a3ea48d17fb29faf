import Link from 'next/link'
import { formatMicros, formatTargetPercent, humanize } from '../../_lib/format'
import type { Certification, ChangeLogEntry, SubprocessorsView, VendorFacts } from '../../_lib/subprocessors-api'

/** Registry facts (dashboards/subprocessors.yaml) as the console shows them. */

function certNote(c: Certification): string {
  if (c.status === 'expired') return `expired ${-c.daysLeft!} day${c.daysLeft === -1 ? '' : 's'} ago`
  if (c.status === 'expiring') return c.daysLeft === 0 ? 'expires today' : `expires in ${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'}`
  return 'valid'
}

export function CertificationList({ certs }: { certs: Certification[] }) {
  return (
    <ul className="certs">
      {certs.map((c) => (
        <li key={c.name}>
          <span>{c.name}</span> <span className="muted">until <time dateTime={c.expires}>{c.expires}</time></span>{' '}
          <span className={c.status === 'expired' ? 'badge badge-bad' : c.status === 'expiring' ? 'badge badge-warn' : 'badge badge-ok'}>{certNote(c)}</span>
        </li>
      ))}
    </ul>
  )
}

const Chips = ({ items }: { items: string[] }) => (
  <span className="chips">{items.length ? items.map((i) => <span key={i} className="chip">{humanize(i)}</span>) : <span className="muted">none declared</span>}</span>
)

/** One vendor's registry entry: who, what data, where, under which contract and certifications. */
export function VendorCard({ v, link = true, headingLevel = 3 }: { v: VendorFacts; link?: boolean; headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? 'h2' : 'h3'
  return (
    <section className="card vendor-card" aria-labelledby={`facts-${v.id}`} data-testid={`facts-${v.id}`}>
      <header className="vendor-card-head">
        <H id={`facts-${v.id}`}>
          {link ? <Link href={`/subprocessors/${encodeURIComponent(v.id)}`}>{v.legalName}</Link> : v.legalName}
        </H>
        <span className="muted">{v.product}</span>
        <code>{v.id}</code>
      </header>
      <p className="vendor-purpose">{v.purpose}</p>
      <dl className="facts">
        <dt>Channels</dt>
        <dd><Chips items={v.channels} /></dd>
        <dt>Regions</dt>
        <dd>{v.regions.join(', ')}</dd>
        <dt>Data shared</dt>
        <dd><Chips items={v.dataCategories} /></dd>
        <dt>Certifications</dt>
        <dd><CertificationList certs={v.certifications} /></dd>
        <dt><abbr title="Data processing agreement">DPA</abbr></dt>
        <dd>
          {v.dpa.url ? <a href={v.dpa.url} rel="noreferrer noopener" target="_blank">{v.dpa.reference}</a> : v.dpa.reference}
          <span className="muted"> · signed <time dateTime={v.dpa.signed}>{v.dpa.signed}</time></span>
        </dd>
        <dt>SLA target</dt>
        <dd>{v.slaAvailabilityPct === null ? <span className="muted">no SLA offered</span> : `${formatTargetPercent(v.slaAvailabilityPct / 100)} availability`}</dd>
        <dt>Price</dt>
        <dd>{formatMicros(v.costMicrosPerMessage)} per message</dd>
        <dt>Fallback</dt>
        <dd>{v.fallbackPositions.join('; ') || <span className="muted">in no chain</span>}</dd>
        <dt>Their sub-processors</dt>
        <dd>{v.downstream.join(', ') || <span className="muted">none declared</span>}</dd>
        <dt>Notice given</dt>
        <dd><time dateTime={v.subprocessorNoticeDate}>{v.subprocessorNoticeDate}</time>{v.statusPage && <> · <a href={v.statusPage} rel="noreferrer noopener" target="_blank">status page</a></>}</dd>
      </dl>
      <details className="dataflow">
        <summary>Data flow</summary>
        <p>{v.dataFlow}</p>
      </details>
    </section>
  )
}

export function ChangeLog({ entries, title = 'Registry change log' }: { entries: ChangeLogEntry[]; title?: string }) {
  return (
    <section className="card changelog" aria-labelledby="changelog-title">
      <h2 id="changelog-title" className="section-title">{title}</h2>
      {entries.length === 0 ? (
        <p className="muted">No recorded changes.</p>
      ) : (
        <table>
          <caption className="sr-only">{title}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Vendor</th>
              <th scope="col">Change</th>
              <th scope="col">Summary</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={`${e.date}-${e.vendor}-${e.kind}-${i}`}>
                <th scope="row"><time dateTime={e.date}>{e.date}</time></th>
                <td><code>{e.vendor}</code></td>
                <td><span className={`chip chip-${e.kind}`}>{humanize(e.kind)}</span></td>
                <td>{e.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** Certifications expired or about to: compliance work to start now. */
export function ExpiryBanner({ items, days }: { items: SubprocessorsView['expiring']; days: number }) {
  if (items.length === 0) return null
  const expired = items.filter((i) => i.daysLeft < 0).length
  return (
    <section className={`banner ${expired ? 'banner-bad' : 'banner-warn'}`} aria-labelledby="expiry-title" data-testid="cert-expiry">
      <h2 id="expiry-title" className="banner-title">
        {expired ? `${expired} certification${expired === 1 ? '' : 's'} expired` : `${items.length} certification${items.length === 1 ? '' : 's'} expire within ${days} days`}
      </h2>
      <ul>
        {items.map((i) => (
          <li key={`${i.vendor}-${i.certification}`}>
            <code>{i.vendor}</code> {i.certification}: {i.daysLeft < 0 ? `expired ${-i.daysLeft} days ago` : `expires ${i.expires} (in ${i.daysLeft} days)`}
          </li>
        ))}
      </ul>
    </section>
  )
}
