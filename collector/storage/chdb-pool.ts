import type { Readable } from 'node:stream'
import type { ConnBaseQueryParams, ConnExecParams, ConnInsertParams, ConnPingParams, Connection } from 'chdb/connection'

/**
 * Embedded queries on several chDB connections at once.
 *
 * A chDB connection runs one statement at a time, so a report that sends five queries, or a
 * console page that asks for six panels, waits for them one after another on a single one. This
 * pool spreads statements over a few connections to the same data directory (they share the
 * engine) and sends each to the one with the fewest statements running.
 *
 * chdb also runs every *parameterized* statement through one process-wide queue (its binder is
 * not isolated per connection), which would serialize the pool again. So the pool binds
 * `{name:Type}` placeholders itself, as typed literals (`CAST('…' AS Type)`), for the types the
 * queries use; a statement with any other type, a value out of its type's range, or SQL this
 * scanner does not follow as ClickHouse's lexer does (`//` comments, heredocs, typographic
 * quotes) keeps chdb's binder and its queue. Placeholders inside string literals, quoted
 * identifiers and comments are left alone, as the engine leaves them.
 *
 * chDB cannot cancel a running statement: an aborted caller is answered at once, but its
 * connection counts as busy until the engine finishes the statement.
 */
export class ChdbPool implements Connection<Readable> {
  private readonly busy: number[]
  constructor(private readonly conns: Connection<Readable>[]) {
    if (conns.length === 0) throw new Error('ChdbPool: at least one connection')
    this.busy = conns.map(() => 0)
  }

  private on<T>(signal: AbortSignal | undefined, run: (c: Connection<Readable>) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(aborted())
    let i = 0
    for (let k = 1; k < this.busy.length; k++) if (this.busy[k] < this.busy[i]) i = k
    this.busy[i]++
    const done = run(this.conns[i])
    const free = () => { this.busy[i]-- }
    done.then(free, free)
    if (!signal) return done
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(aborted())
      signal.addEventListener('abort', onAbort, { once: true })
      done.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v) }, (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e) })
    })
  }

  // The signal stays here: handed to chdb, it would settle the promise before the statement ends.
  query(p: ConnBaseQueryParams) { return this.on(p.abort_signal, (c) => c.query(forward(p))) }
  command(p: ConnBaseQueryParams) { return this.on(p.abort_signal, (c) => c.command(forward(p))) }
  exec(p: ConnExecParams<Readable>) { return this.on(p.abort_signal, (c) => c.exec(forward(p))) }
  insert(p: ConnInsertParams<Readable>) { return this.on(p.abort_signal, (c) => c.insert({ ...p, abort_signal: undefined })) }
  ping(p: ConnPingParams) { return this.conns[0].ping(p) }
  async close(): Promise<void> { await Promise.all(this.conns.map((c) => c.close())) }
}

function aborted(): Error {
  const e = new Error('The user aborted a request.')
  e.name = 'AbortError'
  return e
}

/** Inlined SQL longer than this goes to chdb's binder instead (ClickHouse's max_query_size is 256 KiB). */
const MAX_INLINED_SQL = 200_000

function forward<P extends ConnBaseQueryParams>(p: P): P {
  if (!p.query_params || Object.keys(p.query_params).length === 0) return { ...p, abort_signal: undefined }
  const query = inlineParams(p.query, p.query_params)
  return query === undefined || query.length > MAX_INLINED_SQL ? { ...p, abort_signal: undefined } : { ...p, query, query_params: undefined, abort_signal: undefined }
}

const INT = /^(U?)Int(8|16|32|64|128|256)$/
const FLOAT = /^Float(32|64)$/
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]*?)\s*\}/y
/** What the engine would still take for a placeholder when PLACEHOLDER did not match. */
const PLACEHOLDER_START = /\{\s*[A-Za-z_][A-Za-z0-9_]*\s*:/y

/**
 * `sql` with every `{name:Type}` outside literals, quoted identifiers and comments replaced by a
 * typed literal of `params[name]`; undefined when a placeholder has no value, a type or value
 * this does not bind, or the SQL holds what this scanner does not follow (the caller then
 * leaves binding to the engine, which binds it or reports the error).
 */
export function inlineParams(sql: string, params: Record<string, unknown>): string | undefined {
  let out = ''
  let from = 0
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]
    const next = sql[i + 1]
    if (ch === "'" || ch === '"' || ch === '`') { i = skipQuoted(sql, i, ch); continue }
    if ((ch === '-' && next === '-') || (ch === '#' && (next === ' ' || next === '!'))) { const e = sql.indexOf('\n', i); i = e < 0 ? sql.length : e; continue }
    if (ch === '/' && next === '*') { i = skipBlockComment(sql, i); continue }
    // `//` comments, $heredoc$ strings and ‘typographic’ “quotes”: the engine's binder handles them.
    if ((ch === '/' && next === '/') || ch === '$' || ch === '\u2018' || ch === '\u201c') return undefined
    if (ch !== '{') continue
    PLACEHOLDER.lastIndex = i
    const m = PLACEHOLDER.exec(sql)
    if (!m) {
      PLACEHOLDER_START.lastIndex = i
      if (PLACEHOLDER_START.test(sql)) return undefined
      continue
    }
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

/** The index of the last character of the block comment opening at `i` (they nest in ClickHouse). */
function skipBlockComment(sql: string, i: number): number {
  let depth = 0
  for (let j = i; j < sql.length - 1; j++) {
    if (sql[j] === '/' && sql[j + 1] === '*') { depth++; j++ } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--
      j++
      if (depth === 0) return j
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
  const int = INT.exec(type)
  if (int) {
    const s = typeof v === 'bigint' ? String(v) : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' && /^-?\d{1,78}$/.test(v) ? v : undefined
    if (s === undefined) return undefined
    const bits = BigInt(int[2])
    const n = BigInt(s)
    const [lo, hi] = int[1] === 'U' ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n]
    return n >= lo && n <= hi ? `'${n}'` : undefined
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
