import type { AttrValue, Attrs, LogIn, MetricIn, ResourceBlock, SpanIn } from './model'

/*
 * The pass between decoding and storage: record-level decisions that do not depend on the
 * contract. Pure (the receive time comes in as `nowMs`), and it mutates the freshly decoded
 * blocks in place rather than copying them.
 *
 * - A record a decoder marked `invalid` (a string that is not UTF-8) is refused: OTLP/protobuf
 *   strings must be UTF-8, and replacing bytes with U+FFFD would store something the producer
 *   never sent. The other records of the request are kept.
 * - A log record without a time takes its observed time, and without that the receive time
 *   (the OTel logs data model: observed time is when the collector saw it).
 * - A record older than the retention (`ttlDays`, the tables' TTL) is refused instead of being
 *   acknowledged and then dropped by the TTL at the next merge.
 * - Attributes beyond `maxAttributes` per record (or resource, scope, span event, link, data
 *   point) are dropped and string values longer than `maxAttributeValueBytes` are cut at a
 *   character boundary, as the OTel SDKs' attribute limits do; both are counted and reported.
 */

export interface SanitizeOptions {
  /** Attributes kept per attribute set; later ones are dropped. */
  maxAttributes: number
  /** UTF-8 bytes kept of a string attribute value (also inside arrays and maps). */
  maxAttributeValueBytes: number
  /** Retention in days: records older than this are refused. No check when absent. */
  ttlDays?: number
  /** The receive time, ms since the epoch. */
  nowMs: number
}

/** Why a record was refused here; a label value of factorwatch_otlp_records_refused_total. */
export type RecordRefusal = 'invalid_utf8' | 'expired'

export interface Sanitized<T> {
  blocks: ResourceBlock<T>[]
  /** Items refused: log records, spans, or metric data points. */
  rejected: number
  refused: Record<RecordRefusal, number>
  /** The first problems, each naming the item. */
  errors: string[]
  /** String values cut to maxAttributeValueBytes. */
  truncated: number
  /** Attributes dropped beyond maxAttributes. */
  dropped: number
}

const MAX_ERRORS = 3
const DAY_NS = 86_400_000_000_000n

class Pass {
  rejected = 0
  refused: Record<RecordRefusal, number> = { invalid_utf8: 0, expired: 0 }
  errors: string[] = []
  truncated = 0
  dropped = 0
  readonly cutoffNs: bigint | undefined

  constructor(readonly o: SanitizeOptions) {
    this.cutoffNs = o.ttlDays === undefined ? undefined : BigInt(Math.floor(o.nowMs)) * 1_000_000n - BigInt(o.ttlDays) * DAY_NS
  }

  refuse(reason: RecordRefusal, count: number, what: string, why: string): void {
    this.rejected += count
    this.refused[reason] += count
    if (this.errors.length < MAX_ERRORS) this.errors.push(`${what}: ${why}`)
  }

  expired(ns: bigint): boolean {
    return this.cutoffNs !== undefined && ns < this.cutoffNs
  }

  expiredWhy(ns: bigint, field: string): string {
    const ms = Number(ns / 1_000_000n)
    const at = ms === 0 ? 'unset (0)' : new Date(ms).toISOString()
    return `${field} ${at} is older than the retention of ${this.o.ttlDays} days (MFA_EVENTS_TTL_DAYS): it would be dropped at once`
  }

  attrs(a: Attrs): Attrs {
    const max = this.o.maxAttributes
    let kept = a
    let n = 0
    for (const _k in a) {
      if (++n > max) break
    }
    if (n > max) {
      kept = {}
      let i = 0
      let total = 0
      for (const k in a) {
        total++
        if (i < max) { kept[k] = a[k]; i++ }
      }
      this.dropped += total - max
    }
    for (const k in kept) {
      const v = kept[k]
      if (v !== null && typeof v === 'object') kept[k] = this.value(v)
      else if (typeof v === 'string') kept[k] = this.string(v)
    }
    return kept
  }

  value(v: AttrValue): AttrValue {
    if (typeof v === 'string') return this.string(v)
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.value(v[i])
      return v
    }
    if (v !== null && typeof v === 'object') {
      for (const k in v) v[k] = this.value(v[k])
    }
    return v
  }

  string(s: string): string {
    const max = this.o.maxAttributeValueBytes
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most strings are settled without encoding.
    if (s.length * 3 <= max) return s
    const buf = Buffer.from(s, 'utf8')
    if (buf.length <= max) return s
    let end = max
    while (end > 0 && (buf[end] & 0xc0) === 0x80) end--
    this.truncated++
    return buf.toString('utf8', 0, end)
  }

  /** Resource and scopes: attribute limits, and the refusal of whole blocks or scopes marked invalid. */
  blocks<T>(blocks: ResourceBlock<T>[], label: string, size: (item: T) => number, item: (it: T, index: number) => boolean): ResourceBlock<T>[] {
    let index = 0
    const out: ResourceBlock<T>[] = []
    for (const b of blocks) {
      const whole = b.invalid
      if (!whole) b.resource = this.attrs(b.resource)
      const scopes: ResourceBlock<T>['scopes'] = []
      for (const s of b.scopes) {
        const why = whole ?? s.invalid
        if (why) {
          const n = s.items.reduce((sum, it) => sum + size(it), 0)
          if (n > 0) this.refuse('invalid_utf8', n, `${label} ${index}${s.items.length > 1 ? `–${index + s.items.length - 1}` : ''}`, why)
          index += s.items.length
          continue
        }
        s.scope.attributes = this.attrs(s.scope.attributes)
        const items: T[] = []
        for (const it of s.items) if (item(it, index++)) items.push(it)
        s.items = items
        scopes.push(s)
      }
      if (!whole) {
        b.scopes = scopes
        out.push(b)
      }
    }
    return out
  }

  result<T>(blocks: ResourceBlock<T>[]): Sanitized<T> {
    return { blocks, rejected: this.rejected, refused: this.refused, errors: this.errors, truncated: this.truncated, dropped: this.dropped }
  }
}

export function sanitizeLogs(blocks: ResourceBlock<LogIn>[], o: SanitizeOptions): Sanitized<LogIn> {
  const p = new Pass(o)
  const nowNs = BigInt(Math.floor(o.nowMs)) * 1_000_000n
  const kept = p.blocks(blocks, 'log record', () => 1, (l, i) => {
    if (l.invalid) { p.refuse('invalid_utf8', 1, `log record ${i}`, l.invalid); return false }
    if (l.observedNs === 0n) l.observedNs = nowNs
    if (l.timeNs === 0n) l.timeNs = l.observedNs
    if (p.expired(l.timeNs)) { p.refuse('expired', 1, `log record ${i}`, p.expiredWhy(l.timeNs, 'time')); return false }
    l.attributes = p.attrs(l.attributes)
    return true
  })
  return p.result(kept)
}

export function sanitizeSpans(blocks: ResourceBlock<SpanIn>[], o: SanitizeOptions): Sanitized<SpanIn> {
  const p = new Pass(o)
  const kept = p.blocks(blocks, 'span', () => 1, (s, i) => {
    if (s.invalid) { p.refuse('invalid_utf8', 1, `span ${i}`, s.invalid); return false }
    if (p.expired(s.startNs)) { p.refuse('expired', 1, `span ${i}`, p.expiredWhy(s.startNs, 'start time')); return false }
    s.attributes = p.attrs(s.attributes)
    for (const e of s.events) e.attributes = p.attrs(e.attributes)
    for (const l of s.links) l.attributes = p.attrs(l.attributes)
    return true
  })
  return p.result(kept)
}

const pointsOf = (m: MetricIn) => m.numbers.length + m.histograms.length + m.unsupported

/** Metrics: refusals count data points (OTLP's rejected_data_points). */
export function sanitizeMetrics(blocks: ResourceBlock<MetricIn>[], o: SanitizeOptions): Sanitized<MetricIn> {
  const p = new Pass(o)
  const kept = p.blocks(blocks, 'metric', pointsOf, (m, i) => {
    const what = `metric ${i}${m.name ? ` (${m.name.slice(0, 100)})` : ''}`
    if (m.invalid) {
      const n = pointsOf(m)
      if (n > 0) p.refuse('invalid_utf8', n, what, m.invalid)
      return false
    }
    const keep = <P extends { timeNs: bigint; attributes: Attrs; exemplars: { filteredAttributes: Attrs }[] }>(points: P[]): P[] => {
      const out: P[] = []
      for (const pt of points) {
        if (p.expired(pt.timeNs)) { p.refuse('expired', 1, what, p.expiredWhy(pt.timeNs, 'a data point time')); continue }
        pt.attributes = p.attrs(pt.attributes)
        for (const e of pt.exemplars) e.filteredAttributes = p.attrs(e.filteredAttributes)
        out.push(pt)
      }
      return out
    }
    m.numbers = keep(m.numbers)
    m.histograms = keep(m.histograms)
    return true
  })
  return p.result(kept)
}

/** The partial_success text for what this pass did: the first refusals, then the limits applied. */
export function sanitizeMessage(s: Pick<Sanitized<unknown>, 'errors' | 'truncated' | 'dropped'>, o: Pick<SanitizeOptions, 'maxAttributes' | 'maxAttributeValueBytes'>): string {
  const parts = [...s.errors]
  const limited: string[] = []
  if (s.truncated > 0) limited.push(`${s.truncated} attribute value${s.truncated === 1 ? '' : 's'} truncated to ${o.maxAttributeValueBytes} bytes (OTLP_MAX_ATTRIBUTE_VALUE_BYTES)`)
  if (s.dropped > 0) limited.push(`${s.dropped} attribute${s.dropped === 1 ? '' : 's'} dropped beyond ${o.maxAttributes} per set (OTLP_MAX_ATTRIBUTES)`)
  if (limited.length > 0) parts.push(`stored with limits applied: ${limited.join(', ')}`)
  return parts.join('; ')
}
