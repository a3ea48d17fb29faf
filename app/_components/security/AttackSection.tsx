import type { AttackReport } from '../../../contract/security'
import { blockListText, networkTables, type NetworkTable } from '../../_lib/attacks'
import { formatDateTime, humanize } from '../../_lib/format'
import { RiskChart, RiskSignalsChart } from './AttackCharts'
import { DataTable, Gaps, UserHash } from './DataTable'

const when = (iso: string) => formatDateTime(Date.parse(iso))

/** One attack by source network: where from, how much, whom it touched, and the block-list marker in words. */
function NetworkAttackTable({ t, listed }: { t: NetworkTable; listed: number }) {
  return (
    <>
      <h3>{t.title}</h3>
      <DataTable testId={`net-${t.key}`} caption={t.title} columns={['Network', 'Country', ...t.counts, 'Users touched', 'Block list']} num={t.counts.flatMap((c, i) => (c === 'Reasons' ? [] : [i + 2]))}
        empty="None in this range."
        rows={t.rows.map(({ row, counts }) => [
          <code key="n">{row.network}</code>, row.country, ...counts,
          <span key="u">{row.users}{row.user_hashes.length > 0 && <>: {row.user_hashes.map((h) => <UserHash key={h} hash={h} />)}</>}{row.users > listed && ' (too many to list)'}</span>,
          row.block_listed ? <span key="b" className="badge badge-bad">{blockListText(true)}</span> : blockListText(false),
        ])} />
    </>
  )
}

export function AttackSection({ r }: { r: AttackReport }) {
  return (
    <section className="card sec-card" aria-labelledby="atk-title">
      <h2 id="atk-title" className="section-title">Attacks</h2>
      <p className="kv">{Object.entries(r.lockouts.by_reason).map(([k, n]) => <span key={k}>Lockouts, {humanize(k).toLowerCase()} <b>{n}</b></span>)}</p>
      <h3>Credential stuffing (failed passwords by country)</h3>
      <DataTable testId="stuffing" caption="Failed passwords by country" columns={['Country', 'Failures', 'Users touched']} num={[1, 2]}
        empty="No failed password in this range." rows={r.credential_stuffing.map((c) => [c.country, c.failures, c.users])} />
      <h3>Second-factor guessing (≥ {r.brute_force.threshold} failures per user)</h3>
      <DataTable testId="brute-force" caption="Users with repeated failed second factors" columns={['User', 'Failures', 'Factors', 'Countries', 'Last']} num={[1]}
        empty="No user failed a second factor repeatedly." rows={r.brute_force.users.slice(0, 15).map((u) => [<UserHash key="h" hash={u.user_hash} />, u.failures, u.factors.map(humanize).join(', '), u.countries.join(', '), when(u.last)])} />
      <h3>Push bombing by country</h3>
      <DataTable testId="push-bombing" caption="Denied pushes, fraud reports and locks by country" columns={['Country', 'Denied', 'Fraud reports', 'Locks', 'Users']} num={[1, 2, 3, 4]}
        empty="No denied push or fraud report." rows={r.push_bombing.map((p) => [p.country, p.denied, p.fraud_reports, p.lockouts, p.users])} />
      {networkTables(r.by_network).map((t) => <NetworkAttackTable key={t.key} t={t} listed={r.by_network.users_listed} />)}
      <h3>Revoked sessions used again (F7)</h3>
      <DataTable testId="revoked" caption="Resumes of revoked sessions" columns={['When', 'User', 'Country', 'Client']}
        empty="None seen (mfa.login.completed reason session_revoked)." rows={r.revoked_session_reuse.map((v) => [when(v.ts), <UserHash key="h" hash={v.user_hash} />, v.country ?? '—', v.client ?? '—'])} />
      <RiskChart r={r} />
      <RiskSignalsChart r={r} />
      <Gaps items={r.not_in_telemetry} />
    </section>
  )
}
