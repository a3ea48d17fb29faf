import Link from 'next/link'
import { formatCount, formatMicros, formatMs, formatPercent, formatTargetPercent, humanize } from '../../_lib/format'
import type { VendorRow } from '../../_lib/subprocessors-api'
import { CircuitBadge } from './CircuitBadge'

const pct = (v: number | null) => formatPercent(v)

/** A ratio cell that turns red past a limit (errors) or below one (availability against the SLA). */
function Ratio({ value, bad, testId, note }: { value: number | null; bad: boolean; testId?: string; note?: string }) {
  return (
    <td className={bad ? 'num cell-bad' : 'num'} data-testid={testId}>
      {pct(value)}
      {note && <span className="cell-note">{note}</span>}
    </td>
  )
}

/**
 * Health per vendor and channel. Two header rows group request latency and delivery columns;
 * each row is headed by its vendor (a link to the vendor's page).
 */
export function ProviderTable({ rows, caption, linkQuery, hideVendorLinks = false }: { rows: VendorRow[]; caption: string; linkQuery: string; hideVendorLinks?: boolean }) {
  return (
    // Scrolls sideways on narrow screens: focusable and named so keyboard users can scroll it too.
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="health">
        <caption className="sr-only">{caption}</caption>
        <colgroup>
          <col className="col-vendor" />
          <col span={5} />
          <col span={3} className="col-group" />
          <col span={3} />
          <col span={2} className="col-group" />
        </colgroup>
        <thead>
          <tr>
            <th rowSpan={2} scope="col">Vendor</th>
            <th rowSpan={2} scope="col">Channel</th>
            <th rowSpan={2} scope="col">Circuit</th>
            <th rowSpan={2} scope="col" className="num">Requests</th>
            <th rowSpan={2} scope="col" className="num">Availability</th>
            <th rowSpan={2} scope="col" className="num">Error rate</th>
            <th colSpan={3} scope="colgroup" className="group">Request latency</th>
            <th colSpan={3} scope="colgroup" className="group">Delivery</th>
            <th colSpan={2} scope="colgroup" className="group">Fallback and cost</th>
          </tr>
          <tr>
            <th scope="col" className="num sub">p50</th>
            <th scope="col" className="num sub">p95</th>
            <th scope="col" className="num sub">p99</th>
            <th scope="col" className="num sub">Success</th>
            <th scope="col" className="num sub"><abbr title="Time to delivery, send → receipt">TTD</abbr> p50</th>
            <th scope="col" className="num sub">TTD p95</th>
            <th scope="col" className="num sub"><abbr title="Share of this vendor's requests that were fallbacks from another vendor">Taken over</abbr></th>
            <th scope="col" className="num sub"><abbr title="This vendor's spend on the channel per successful verification of that factor, in the billing currency">Cost / success</abbr></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const id = `${r.provider}-${r.channel}`
            const idle = r.requests === 0 && r.delivery.receipts === 0
            return (
              <tr key={id} data-testid={`row-${id}`} className={r.circuit.state === 'open' ? 'row-open' : idle ? 'row-idle' : undefined}>
                <th scope="row">
                  <span className="vendor-cell">
                    {hideVendorLinks ? <span className="vendor-id">{r.provider}</span> : (
                      <Link href={`/subprocessors/${encodeURIComponent(r.provider)}${linkQuery ? `?${linkQuery}` : ''}`} className="vendor-id">{r.provider}</Link>
                    )}
                    <span className="vendor-legal">{r.legalName ?? <span className="badge badge-bad">not in registry</span>}</span>
                  </span>
                </th>
                <td>{humanize(r.channel || 'unknown')}</td>
                <td><CircuitBadge circuit={r.circuit} testId={`circuit-${id}`} /></td>
                <td className="num">{idle ? <span className="muted">no traffic</span> : formatCount(r.requests)}</td>
                <Ratio value={r.availability} bad={r.meetsSla === false} testId={`availability-${id}`} note={r.slaPct !== null ? `SLA ${formatTargetPercent(r.slaPct / 100)}` : undefined} />
                <Ratio value={r.errorRate} bad={(r.errorRate ?? 0) > 0.01} testId={`error-rate-${id}`} />
                <td className="num">{formatMs(r.latencyMs?.p50)}</td>
                <td className="num">{formatMs(r.latencyMs?.p95)}</td>
                <td className="num">{formatMs(r.latencyMs?.p99)}</td>
                <Ratio value={r.delivery.successRate} bad={r.delivery.successRate !== null && r.delivery.successRate < 0.95} />
                <td className="num">{formatMs(r.delivery.timeToDeliveryMs?.p50)}</td>
                <td className="num">{formatMs(r.delivery.timeToDeliveryMs?.p95)}</td>
                <td className="num" data-testid={`fallback-${id}`}>
                  {pct(r.fallback.share)}
                  {r.fallback.out > 0 && <span className="cell-note">{formatCount(r.fallback.out)} moved away</span>}
                </td>
                <td className="num">{formatMicros(r.cost.perSuccessMicros)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
