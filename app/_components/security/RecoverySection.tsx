import type { RecoveryReport } from '../../../contract/security'
import { formatDateTime, formatDuration, humanize } from '../../_lib/format'
import { DataTable, Gaps, UserHash } from './DataTable'

const when = (iso: string) => formatDateTime(Date.parse(iso))

export function RecoverySection({ r }: { r: RecoveryReport }) {
  const b = r.by_reason
  return (
    <section className="card sec-card" aria-labelledby="rec-title">
      <h2 id="rec-title" className="section-title">Recovery <span className="metric-id">M4</span></h2>
      <p className="kv">
        <span>Requested <b>{b.requested ?? 0}</b></span><span>Approved <b>{b.approved ?? 0}</b></span><span>Denied <b>{b.denied ?? 0}</b></span>
        <span>Completed <b>{b.completed ?? 0}</b></span><span>Recovery codes used <b>{b.recovery_code_used ?? 0}</b></span>
        <span>Time to approve p50 <b>{formatDuration(r.time_to_approve_ms.p50)}</b>, p95 <b>{formatDuration(r.time_to_approve_ms.p95)}</b></span>
      </p>
      <h3>Abuse signals (SIM-swap pattern, F6)</h3>
      {r.suspicious_total > r.suspicious.length && <p className="muted">The newest {r.suspicious.length} of {r.suspicious_total} recoveries with abuse signals; narrow the range or filter to see the rest.</p>}
      <DataTable testId="recovery-suspicious" caption="Recoveries with abuse signals" columns={['When', 'User', 'Step', 'Country', 'Network', 'Signals']}
        empty="No recovery after a recent factor change, from a new country or a block-listed network, at high risk, or from a busy network."
        rows={r.suspicious.map((s) => [when(s.ts), <UserHash key="h" hash={s.user_hash} />, humanize(s.reason), s.country ?? '—', s.network ?? '—', s.signals.map((x) => <span key={x} className="chip">{humanize(x)}</span>)])} />
      <h3>Recoveries by source network</h3>
      <DataTable testId="recovery-networks" caption="Recovery starts by source network" columns={['Network', 'Requests', 'Users']} num={[1, 2]}
        empty="No recovery in this range." rows={r.by_network.slice(0, 10).map((n) => [n.network, n.requests, n.users])} />
      <p className="muted">{r.many_from_network_threshold} or more users recovering from one network flag each of them.</p>
      <h3>Backlog (requests awaiting a decision)</h3>
      <DataTable testId="recovery-backlog" caption="Open recovery requests" columns={['User', 'Requested', 'Waiting', 'Network']}
        empty="No request is waiting." rows={r.backlog.map((x) => [<UserHash key="h" hash={x.user_hash} />, when(x.requested_at), formatDuration(x.age_ms), x.network ?? '—'])} />
      <Gaps items={r.not_in_telemetry} />
    </section>
  )
}
