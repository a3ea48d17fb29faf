import type { QueryWindow, Source } from './types'
import { EVENTS, WINDOW, bucket, rowBucket } from './sql'

export type { Source }

/** Windows longer than this read rollups (when the step is whole minutes). */
export const ROLLUP_AFTER_S = 6 * 3600
/** The five-minute rollups' bucket (migrations 0089, 0090): a step that is a multiple of it sums whole rows. */
export const FIVE_MINUTES_S = 300

export const RAW: Source = {
  name: 'raw',
  from: EVENTS,
  window: WINDOW,
  bucket: bucket('ts'),
  countIf: (cond) => (cond === '1' ? 'count()' : `countIf(${cond})`),
  latencyQuantiles: 'quantiles(0.5, 0.95, 0.99)(latency_ms)',
  latencyState: 'quantilesState(0.5, 0.95, 0.99)(latency_ms)',
  latencyMerge: 'quantilesMerge(0.5, 0.95, 0.99)',
  hasLatency: 'latency_ms IS NOT NULL',
}

function rollup(name: 'rollup_1m' | 'rollup_1h', table: string, unit: 'Minute' | 'Hour'): Source {
  return {
    name,
    from: table,
    // Widened to whole units: the first unit may start before `from`.
    window: `minute >= toStartOf${unit}(fromUnixTimestamp64Milli({from_ms:Int64})) AND minute < fromUnixTimestamp64Milli({to_ms:Int64})`,
    bucket: rowBucket('minute'),
    countIf: (cond) => (cond === '1' ? 'uniqMerge(events)' : `uniqMergeIf(events, ${cond})`),
    latencyQuantiles: 'quantilesIfMerge(0.5, 0.95, 0.99)(latency)',
    latencyState: 'quantilesIfMergeState(0.5, 0.95, 0.99)(latency)',
    latencyMerge: 'quantilesIfMerge(0.5, 0.95, 0.99)',
    hasLatency: '1',
  }
}
export const ROLLUP_1M = rollup('rollup_1m', 'mfa_rollup_1m', 'Minute')
export const ROLLUP_1H = rollup('rollup_1h', 'mfa_rollup_1h', 'Hour')

/** Raw for short windows or sub-minute steps; hourly rollups when the step is whole hours. */
export function chooseSource(w: QueryWindow): Source {
  if ((w.toMs - w.fromMs) / 1000 <= ROLLUP_AFTER_S || w.stepS % 60 !== 0) return RAW
  return w.stepS % 3600 === 0 ? ROLLUP_1H : ROLLUP_1M
}
