import { ChartsSkeleton, StatsSkeleton, ToolbarSkeleton } from '../States'

/** Loading placeholders shaped like the Sub-processors pages. */

export function SubprocessorsSkeleton({ toolbar = false }: { toolbar?: boolean }) {
  return (
    <div aria-busy="true" aria-label="Loading sub-processors" className="overview">
      {toolbar && <ToolbarSkeleton />}
      <div className="card table-card">
        <div className="skel" style={{ width: '30%', height: 14 }} />
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="skel" style={{ height: 22, marginTop: 12 }} />
        ))}
      </div>
      <div className="vendor-grid">
        {Array.from({ length: 2 }, (_, i) => (
          <div key={i} className="card vendor-card">
            <div className="skel" style={{ width: '50%', height: 16 }} />
            <div className="skel" style={{ height: 140, marginTop: 14 }} />
          </div>
        ))}
      </div>
    </div>
  )
}

export function VendorSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading vendor" className="overview">
      <StatsSkeleton />
      <ChartsSkeleton />
    </div>
  )
}
