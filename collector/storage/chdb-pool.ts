import type { Readable } from 'node:stream'
import type { ConnBaseQueryParams, ConnExecParams, ConnInsertParams, ConnPingParams, Connection } from 'chdb/connection'

/**
 * Embedded queries on several chDB connections at once.
 *
 * A chDB connection runs one statement at a time, so a report that sends five queries, or a
 * console page that asks for six panels, waits for them one after another on a single one. This
 * pool spreads statements over a few connections to the same data directory (they share the
 * engine) and sends each to the one with the fewest in flight.
 *
 * chdb also runs every *parameterized* statement through one process-wide queue (its binder is
 * not isolated per connection), which would serialize the pool again. So the pool binds
 * `{name:Type}` placeholders itself, as typed literals (`CAST('…' AS Type)`), for the types the
 * queries use; a statement with any other type keeps chdb's binder (and its queue). Placeholders
 * inside string literals, quoted identifiers and comments are left alone, as the server's
 * binder leaves them.
 */
export class ChdbPool implements Connection<Readable> {
  private readonly busy: number[]
  constructor(private readonly conns: Connection<Readable>[]) {
    if (conns.length === 0) throw new Error('ChdbPool: at least one connection')
    this.busy = conns.map(() => 0)
  }

  /** Statements in flight on each connection (for tests and /metrics). */
  inFlight(): readonly number[] { return this.busy }

  private async on<T>(run: (c: Connection<Readable>) => Promise<T>): Promise<T> {
    let i = 0
    for (let k = 1; k < this.busy.length; k++) if (this.busy[k] < this.busy[i]) i = k
    this.busy[i]++
    try { return await run(this.conns[i]) } finally { this.busy[i]-- }
  }

  query(p: ConnBaseQueryParams) { return this.on((c) => c.query(bindInline(p))) }
  command(p: ConnBaseQueryParams) { return this.on((c) => c.command(bindInline(p))) }
  exec(p: ConnExecParams<Readable>) { return this.on((c) => c.exec(bindInline(p))) }
  insert(p: ConnInsertParams<Readable>) { return this.on((c) => c.insert(p)) }
  ping(p: ConnPingParams) { return this.conns[0].ping(p) }
  async close(): Promise<void> { await Promise.all(this.conns.map((c) => c.close())) }
}

function bindInline<P extends ConnBaseQueryParams>(p: P): P {
  if (!p.query_params || Object.keys(p.query_params).length === 0) return p
  const query = inlineParams(p.query, p.query_params)
  return query === undefined ? p : { ...p, query, query_params: undefined }
}

const INT = /^U?Int(8|16|32|64|128|256)$/
const FLOAT = /^Float(32|64)$/
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):\s*([A-Za-z0-9_()\s,]+?)\s*\}/y

/**
 * `sql` with every `{name:Type}` outside literals, quoted identifiers and comments replaced by a
 * typed literal of `params[name]`; undefined when a placeholder has no value or a type or value
 * this does not bind (the caller then leaves binding to the engine, which reports the error).
 */
export function inlineParams(sql: string, params: Record<string, unknown>): string | undefined {
  let out = ''
  let from = 0
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]
    if (ch === "'" || ch === '"' || ch === '`') { i = skipQuoted(sql, i, ch); continue }
    if (ch === '-' && sql[i + 1] === '-') { const e = sql.indexOf('\n', i); i = e < 0 ? sql.length : e; continue }
    if (ch === '#' && (sql[i + 1] === ' ' || sql[i + 1] === '!')) { const e = sql.indexOf('\n', i); i = e < 0 ? sql.length : e; continue }
    if (ch === '/' && sql[i + 1] === '*') { const e = sql.indexOf('*/', i + 2); i = e < 0 ? sql.length : e + 1; continue }
    if (ch !== '{') continue
    PLACEHOLDER.lastIndex = i
    const m = PLACEHOLDER.exec(sql)
    if (!m) continue
    if (!Object.hasOwn(params, m[1])) return undefined
    const lit = typedLiteral(params[m[1]], m[2].replace(/\s+/g, ''))
    if (lit === undefined) return undefined
    out += sql.slice(from, i) + lit
    from = i + m[0].length
    i = from - 1
  }
  return out + sql.slice(from)
}

/** The index of the quote closing the one at `i` (backslash escapes and doubled quotes). */
function skipQuoted(sql: string, i: number, q: string): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === '\\') { j++; continue }
    if (sql[j] === q) {
      if (sql[j + 1] === q) { j++; continue }
      return j
    }
  }
  return sql.length
}

/** `CAST(<literal> AS Type)`, or undefined for a type or value not bound here. */
export function typedLiteral(v: unknown, type: string): string | undefined {
  const inner = literal(v, type)
  return inner === undefined ? undefined : `CAST(${inner} AS ${type})`
}

function literal(v: unknown, type: string): string | undefined {
  if (INT.test(type)) {
    if (typeof v === 'bigint') return `'${v}'`
    if (typeof v === 'number' && Number.isSafeInteger(v)) return `'${v}'`
    if (typeof v === 'string' && /^-?\d{1,78}$/.test(v)) return `'${v}'`
    return undefined
  }
  if (FLOAT.test(type)) return typeof v === 'number' && Number.isFinite(v) ? `'${v}'` : undefined
  if (type === 'String') return typeof v === 'string' ? quoteString(v) : undefined
  const arr = /^Array\((.+)\)$/.exec(type)
  if (arr && Array.isArray(v)) {
    const items = v.map((x) => literal(x, arr[1]))
    return items.every((x) => x !== undefined) ? `[${items.join(',')}]` : undefined
  }
  return undefined
}

/** A single-quoted ClickHouse string literal: `\` and `'` escaped, control characters as \xHH. */
export function quoteString(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return `'${s.replace(/[\\'\x00-\x1f\x7f]/g, (c) => (c === '\\' || c === "'" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}'`
}
