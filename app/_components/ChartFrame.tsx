import type { ReactNode } from 'react'

/**
 * A chart with its text alternatives: a one-sentence summary for screen readers on the chart
 * itself, and the underlying numbers as a table behind a disclosure.
 */
export function ChartFrame(props: {
  id: string
  title: string
  subtitle?: string
  summary: string
  columns: string[]
  rows: (string | number)[][]
  children: ReactNode
  aside?: ReactNode
  className?: string
}) {
  const { id, title, subtitle, summary, columns, rows, children, aside, className } = props
  return (
    <figure className={`card chart-card ${className ?? ''}`} aria-labelledby={`${id}-title`}>
      <figcaption className="chart-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {subtitle && <span className="chart-sub">{subtitle}</span>}
      </figcaption>
      <div className="chart-body">
        <div className="chart-plot" role="img" aria-label={summary}>
          {children}
        </div>
        {aside}
      </div>
      <details className="chart-data">
        <summary>Data table</summary>
        <div className="table-scroll">
          <table>
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}
