import type { ReactNode } from 'react'

/** A compact table with a caption, a header row and an empty state; numbers right-aligned by `num`. */
export function DataTable({ caption, columns, rows, empty, num = [], testId }: {
  caption: string
  columns: string[]
  rows: ReactNode[][]
  empty: string
  /** Indexes of numeric columns. */
  num?: number[]
  testId?: string
}) {
  if (rows.length === 0) return <p className="muted inline-empty" data-testid={testId}>{empty}</p>
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0} data-testid={testId}>
      <table className="health">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={c} scope="col" className={num.includes(i) ? 'num' : undefined}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j} className={num.includes(j) ? 'num' : undefined}>{c}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A user as the telemetry knows them: the start of their HMAC hash, the whole of it on hover. */
export function UserHash({ hash }: { hash: string | null }) {
  if (!hash) return <span className="muted">unknown user</span>
  return <code className="hash" title={hash}>{hash.slice(0, 12)}…</code>
}

/** "Not in telemetry" notes: what a section cannot show, said rather than guessed. */
export function Gaps({ items }: { items: string[] }) {
  if (items.length === 0) return null
  return <p className="gaps"><strong>Not in the events:</strong> {items.join('; ')}.</p>
}

/** "+2 vs previous" style change, coloured only when a direction is clearly good or bad. */
export function Delta({ current, previous, kind, higherIsBetter }: { current: number | null; previous: number | null; kind: 'ratio' | 'count'; higherIsBetter: boolean }) {
  if (current === null || previous === null) return <span className="delta">no previous data</span>
  const d = current - previous
  const text = kind === 'ratio' ? `${d >= 0 ? '+' : '−'}${Math.abs(d * 100).toFixed(1)} pts` : `${d >= 0 ? '+' : '−'}${Math.abs(d)}`
  const good = d === 0 ? null : (d > 0) === higherIsBetter
  return <span className={good === null ? 'delta' : good ? 'delta delta-good' : 'delta delta-bad'}>{text} vs previous</span>
}
