'use client'
import { ReferenceArea } from 'recharts'
import { useAnnotations } from '../_lib/api-client'
import { drillBands } from '../_lib/drill-bands'
import { formatDateTime } from '../_lib/format'

/** Kept in one place so every chart shades drills alike (label text stays above 4.5:1 on the fill). */
export const BAND = { fill: '#c4b5fd', fillOpacity: 0.28, stroke: '#7c3aed', label: '#4c1d95' } as const

/**
 * Game-day drill periods over a time chart as shaded bands with the scenario's name. Rendered
 * inside a Recharts chart (beside its XAxis); reads /api/annotations for the chart's range and
 * draws nothing when that fails or the collector has no annotations.
 */
export function DrillBands({ from, to }: { from: number; to: number }) {
  const q = useAnnotations(from, to)
  if (!q.data) return null
  const bands = drillBands(q.data.annotations, from, to, Math.max(Date.parse(q.data.generatedAt), Date.now()))
  return (
    <>
      {bands.map((b) => (
        <ReferenceArea
          key={b.id}
          x1={b.x1}
          x2={b.x2}
          ifOverflow="hidden"
          className="drill-band"
          fill={BAND.fill}
          fillOpacity={BAND.fillOpacity}
          stroke={BAND.stroke}
          strokeOpacity={0.35}
          // A band in the right half is labelled from its right edge, so the name stays inside the plot.
          label={{ value: `Drill: ${b.name}${b.running ? ' (running)' : ''}`, position: b.x1 - from > (to - from) / 2 ? 'insideTopRight' : 'insideTopLeft', fill: BAND.label, fontSize: 11, fontWeight: 600 }}
        >
          <title>{`Game day ${b.id}: ${b.name}, ${formatDateTime(b.x1)} – ${b.running ? 'running' : formatDateTime(b.x2)}`}</title>
        </ReferenceArea>
      ))}
    </>
  )
}
