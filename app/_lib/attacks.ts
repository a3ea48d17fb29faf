import { RISK_SIGNALS, type RiskSignal } from '../../contract/enums'
import type { AttackReport } from '../../contract/security'

/**
 * The attack report's by-network tables and risk signals, shaped once for the Security page,
 * the monthly report and its CSV.
 */

export const SIGNAL_LABEL: Record<RiskSignal, string> = {
  new_device: 'New device',
  new_country: 'New country',
  impossible_travel: 'Impossible travel',
  known_bad_ip: 'Block-listed address',
}

type ByNetwork = AttackReport['by_network']
export type NetworkRow = ByNetwork['credential_stuffing'][number]

/** One by-network table: its key in the CSV, its title, and the counts of each row. */
export interface NetworkTable {
  key: 'credential_stuffing' | 'second_factor_failures' | 'lockouts' | 'push_bombing'
  title: string
  counts: string[]
  rows: { row: Omit<NetworkRow, 'failures'>; counts: (number | string)[] }[]
}

export function networkTables(n: ByNetwork): NetworkTable[] {
  return [
    { key: 'credential_stuffing', title: 'Failed passwords by source network (credential stuffing)', counts: ['Failures'], rows: n.credential_stuffing.map((r) => ({ row: r, counts: [r.failures] })) },
    { key: 'second_factor_failures', title: 'Failed second factors by source network (guessing)', counts: ['Failures'], rows: n.brute_force.map((r) => ({ row: r, counts: [r.failures] })) },
    { key: 'lockouts', title: 'Lockouts by source network', counts: ['Locks', 'Reasons'], rows: n.lockouts.map((r) => ({ row: r, counts: [r.lockouts, r.reasons.join(', ')] })) },
    { key: 'push_bombing', title: 'Push bombing by source network', counts: ['Denied', 'Fraud reports', 'Locks'], rows: n.push_bombing.map((r) => ({ row: r, counts: [r.denied, r.fraud_reports, r.lockouts] })) },
  ]
}

/** Text of the block-list marker, the same wherever it appears (never colour alone). */
export const blockListText = (on: boolean) => (on ? 'Block-listed' : 'No')

/** The touched users as text: the count, and the hashes when the report lists them. */
export const usersText = (r: Omit<NetworkRow, 'failures'>, short: (h: string) => string) =>
  r.user_hashes.length > 0 ? `${r.users}: ${r.user_hashes.map(short).join(', ')}` : String(r.users)

type CsvRow = { section: string; time?: string; user_hash?: string | null; item?: string | null; value?: string | number | null; previous?: string | number | null }

/**
 * CSV rows, long form: per table and network its counts (item "network country[ block-listed] count"),
 * one row per touched user listed, and the sign-ins with each risk signal per bucket (non-zero only).
 */
export function attackCsvRows(a: AttackReport): CsvRow[] {
  const rows: CsvRow[] = []
  for (const t of networkTables(a.by_network)) {
    for (const { row, counts } of t.rows) {
      const where = `${row.network} ${row.country}${row.block_listed ? ' block-listed' : ''}`
      t.counts.forEach((c, i) => rows.push({ section: `${t.key}_by_network`, item: `${where} ${c.toLowerCase()}`, value: counts[i] }))
      rows.push({ section: `${t.key}_by_network`, item: `${where} users`, value: row.users })
      for (const user_hash of row.user_hashes) rows.push({ section: `${t.key}_by_network_user`, user_hash, item: row.network })
    }
  }
  for (const [t, ...n] of a.risk_signals) {
    RISK_SIGNALS.forEach((s, i) => { if (n[i] > 0) rows.push({ section: 'risk_signal', time: new Date(t).toISOString(), item: s, value: n[i] }) })
  }
  return rows
}
