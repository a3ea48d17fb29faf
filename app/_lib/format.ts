/**
 * Number formatting for the console. Percentages are truncated, never rounded up, so a
 * success rate of 99.496% never reads as meeting a 99.5% target.
 */

const PLACEHOLDER = '—'

/** 0.975 → "97.5%", 0.99496 → "99.49%", 1 → "100%". Two decimals at or above 99%. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return PLACEHOLDER
  const pct = ratio * 100
  if (pct >= 100) return '100%'
  const decimals = pct >= 99 ? 2 : 1
  const factor = 10 ** decimals
  // The epsilon absorbs float noise (0.975 * 100 = 97.49999…) without rounding up real values.
  const truncated = Math.floor(pct * factor + 1e-9) / factor
  return `${truncated.toFixed(decimals)}%`
}

/** 850 → "850 ms", 1840 → "1.84 s", 65000 → "65.0 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return PLACEHOLDER
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`
  return `${(ms / 1000).toFixed(1)} s`
}

const countFmt = new Intl.NumberFormat('en-US')
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

/** 12345 → "12,345". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return PLACEHOLDER
  return countFmt.format(n)
}

/** 12345 → "12.3K" (axis ticks). */
export function formatCompact(n: number): string {
  return compactFmt.format(n)
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Axis tick for a timestamp: time of day for short spans, date for long ones (local time). */
export function formatTick(ms: number, spanSeconds: number): string {
  const d = new Date(ms)
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (spanSeconds <= 24 * 3600) return hm
  return `${d.toLocaleString('en-US', { month: 'short' })} ${d.getDate()} ${hm}`
}

/** Full local timestamp for tooltips and tables: "2025-01-31 12:04:05". */
export function formatDateTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

const SPELLED: Record<string, string> = { totp: 'TOTP', sms: 'SMS', webauthn: 'WebAuthn', api: 'API', ios: 'iOS', ip_address: 'IP address' }

/** "success" → "Success", "rate_limited" → "Rate limited", "totp" → "TOTP". */
export function humanize(id: string): string {
  if (SPELLED[id]) return SPELLED[id]
  const s = id.replace(/_/g, ' ')
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** Targets read as written in the SLO: 0.995 → "99.5%", 2000 → "2 s". */
export function formatTargetPercent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(3))}%`
}
export function formatTargetMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`
}

/**
 * Millionths of the billing currency unit → units: 43090.9 → "0.0431", 100 → "0.00010",
 * 1250000 → "1.25". The registry does not name the currency, so neither does the console.
 */
export function formatMicros(micros: number | null | undefined): string {
  if (micros === null || micros === undefined || !Number.isFinite(micros)) return PLACEHOLDER
  const units = micros / 1e6
  if (units === 0) return '0'
  if (units >= 1) return units.toFixed(2)
  if (units >= 0.01) return units.toFixed(4)
  return units.toPrecision(2)
}

/** How long ago, compact: 45_000 → "45 s", 14 min → "14 min", 125 min → "2 h 5 min", 3 days → "3 d". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return PLACEHOLDER
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`
  return h % 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${Math.floor(h / 24)} d`
}

/** Burn rate as a multiple of the allowed rate: 16.2 → "16.2×", 0.38 → "0.38×", 1000 → "1,000×". */
export function formatBurn(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return PLACEHOLDER
  if (rate >= 100) return `${countFmt.format(Math.round(rate))}×`
  return `${rate >= 10 ? rate.toFixed(1) : Number(rate.toPrecision(2))}×`
}

/**
 * Share of an error budget left, truncated toward zero so a budget never reads healthier than it
 * is: 0.5 → "50.0%", 0.0049 → "0.4%", −27.8 → "−2,780%" (overspent).
 */
export function formatBudget(remaining: number | null | undefined): string {
  if (remaining === null || remaining === undefined || !Number.isFinite(remaining)) return PLACEHOLDER
  const pct = remaining * 100
  if (pct < 0) return `−${countFmt.format(Math.ceil(-pct - 1e-9))}%`
  return `${(Math.floor(pct * 10 + 1e-9) / 10).toFixed(1)}%`
}

/**
 * Share of an error budget spent, never capped (a drill on a young install can spend many times
 * its budget): 0.123 → "12.3%", 1.86 → "186%", 1094.7 → "109,470%".
 */
export function formatSpent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return PLACEHOLDER
  const pct = fraction * 100
  if (pct < 100) return `${(Math.floor(pct * 10 + 1e-9) / 10).toFixed(1)}%`
  return `${countFmt.format(Math.round(pct))}%`
}

/** Waiting times: 45000 → "45.0 s", 1800000 → "30 min", 9000000 → "2 h 30 min", 3 days → "3.0 d". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return PLACEHOLDER
  if (ms < 60_000) return formatMs(ms)
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`
  if (ms < 48 * 3_600_000) return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`
  return `${(ms / 86_400_000).toFixed(1)} d`
}
