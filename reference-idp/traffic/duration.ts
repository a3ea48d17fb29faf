/** `--duration` values: `30s`, `5m`, `1h` (decimals allowed, e.g. `1.5m`), `500ms`, or `forever`. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/**
 * Milliseconds for a duration string, or `null` for `forever` (run until a signal).
 * Throws an Error saying what was expected when the value is not understood.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase()
  if (s === 'forever') return null
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s)
  if (!m) throw new Error(`expected a duration such as 30s, 5m, 1h or forever, got "${text}"`)
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2]])
  if (!(ms > 0)) throw new Error(`expected a duration above zero, got "${text}"`)
  return ms
}

/** Short human form for progress lines: `42s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`
  return `${s}s`
}
