import type { BypassReport, Exemption } from '../../../contract/security'
import { formatDateTime, formatDuration, humanize } from '../../_lib/format'
import { DataTable, Delta, Gaps, UserHash } from './DataTable'

const when = (iso: string | null) => (iso ? formatDateTime(Date.parse(iso)) : '—')
const duration = (s: number | null) => (s === null ? '—' : formatDuration(s * 1000))

function Exemptions({ rows, testId, caption, empty }: { rows: Exemption[]; testId: string; caption: string; empty: string }) {
  return (
    <DataTable testId={testId} caption={caption} columns={['Kind', 'User', 'Requester', 'Approver', 'Duration', 'Status', 'Ends', 'Uses']} num={[7]} empty={empty}
      rows={rows.map((e) => [humanize(e.kind), <UserHash key="u" hash={e.user_hash} />, <UserHash key="r" hash={e.requester_hash} />, e.approver_hash ? <UserHash key="a" hash={e.approver_hash} /> : <span key="a" className="muted">none yet</span>,
        duration(e.duration_s), humanize(e.status), when(e.ended_at ?? e.expires_at), e.uses])} />
  )
}

export function BypassSection({ r }: { r: BypassReport }) {
  const breakGlass = r.incidents.length + r.unpaired_break_glass.length
  return (
    <section className="card sec-card" aria-labelledby="byp-title">
      <h2 id="byp-title" className="section-title">Bypasses and exceptions <span className="metric-id">M7</span></h2>
      {breakGlass > 0 && (
        <p className="banner banner-bad" role="status" data-testid="break-glass-banner">
          <strong>Break-glass: {breakGlass} incident(s).</strong> Each is to be reviewed with its requester and approver.
        </p>
      )}
      <p className="kv">
        {Object.entries(r.by_kind).map(([k, n]) => (
          <span key={k}>{humanize(k)} <b>{n}</b> <Delta current={n} previous={r.previous_by_kind[k] ?? 0} kind="count" higherIsBetter={false} /></span>
        ))}
      </p>
      <h3>Break-glass incidents</h3>
      <Exemptions testId="break-glass" caption="Break-glass exemptions, each an incident" rows={r.incidents} empty="No break-glass exemption in this range." />
      {r.unpaired_break_glass.length > 0 && <p className="muted">Break-glass uses without an exemption in the events: {r.unpaired_break_glass.map((e) => when(e.ts)).join(', ')}.</p>}
      <h3>Open exemptions (awaiting a second admin)</h3>
      <Exemptions testId="exemptions-open" caption="Exemptions requested and not yet decided" rows={r.open} empty="No exemption awaits approval." />
      <h3>About to expire (within {r.expiring_within_s / 3600} h)</h3>
      <Exemptions testId="exemptions-expiring" caption="Active exemptions about to expire" rows={r.expiring} empty="No active exemption ends soon." />
      <h3>Every exemption</h3>
      <Exemptions testId="exemptions" caption="Every exemption in the range" rows={r.exemptions.slice(0, 20)} empty="No exemption in this range." />
      <h3>Bypass uses</h3>
      <DataTable testId="bypass-list" caption="Every bypass in the range" columns={['When', 'Kind', 'User', 'Group', 'Requester', 'Approver']}
        empty="No bypass in this range." rows={r.events.slice(0, 15).map((e) => [when(e.ts), humanize(e.kind), <UserHash key="h" hash={e.user_hash} />, e.user_group ?? '—',
          <UserHash key="r" hash={e.requester_hash} />, <UserHash key="a" hash={e.approver_hash} />])} />
      <Gaps items={r.not_in_telemetry} />
    </section>
  )
}
