import type { Annotation } from '../../contract/gameday'

/** One shaded band on a chart, clipped to the chart's domain. */
export interface DrillBand {
  id: string
  name: string
  x1: number
  x2: number
  /** Still running: the band ends at the edge of the range (or now). */
  running: boolean
}

/**
 * Pure: the drill periods that show on a chart of [from, to]. A drill without an end runs up to
 * `now`; bands are clipped to the domain; a drill wholly outside it is left out.
 */
export function drillBands(annotations: readonly Annotation[], from: number, to: number, now: number): DrillBand[] {
  const bands: DrillBand[] = []
  for (const a of annotations) {
    const start = Date.parse(a.start)
    const end = a.end === null ? now : Date.parse(a.end)
    if (!(end > from) || !(start < to) || end < start) continue
    bands.push({ id: a.gameday_id, name: a.name, x1: Math.max(start, from), x2: Math.min(end, to), running: a.end === null })
  }
  return bands.sort((a, b) => a.x1 - b.x1)
}
