/**
 * Migrations for a ClickHouse cluster (CLICKHOUSE_CLUSTER). Every MergeTree-family table `t` of
 * the single-node schema becomes two:
 *
 * - `t_local` on every node (`ON CLUSTER`): the same columns, keys and settings, with the
 *   Replicated form of its engine under `/clickhouse/tables/{shard}/{database}/{table}` and
 *   replica `{replica}` (the nodes' macros);
 * - `t`, a Distributed table over `t_local` on every shard. The collector keeps inserting into
 *   and querying `t`, unchanged. The sharding key is the hash of the table's ORDER BY key, never
 *   `rand()`: rows that replace or merge with each other (Replacing/Aggregating engines, a re-sent
 *   event) meet on one shard, and a batch inserted again after a crash splits across the shards
 *   exactly as the first time, so each shard's insert deduplication recognises its part.
 *
 * A materialized view fires on the local table its rows are stored in (`FROM t` becomes
 * `FROM t_local`: each row once, on the shard that stores it) and writes to the Distributed
 * target (`TO r` stays), which sends each row to the shard its own key names. Plain views read
 * the Distributed tables. ALTERs of columns go to both tables, other ALTERs (settings, TTL,
 * indexes) to the local one. The rendering is generic: new migrations need nothing here, and a
 * statement it does not know is refused by name rather than run on one node only.
 */

export const LOCAL_SUFFIX = '_local'
export const REPLICA_PATH = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`

/** Tables split so far (migrations render in order; a view or ALTER refers to earlier tables). */
export interface ClusterSchema { sharded: Set<string> }
export const newClusterSchema = (): ClusterSchema => ({ sharded: new Set() })

const NAME = '([A-Za-z_][A-Za-z0-9_]*)'
const ON_CLUSTER = /^\s+ON\s+CLUSTER\s+[A-Za-z0-9_'"`{}]+/i
/** What follows a statement's head, without an ON CLUSTER of its own (it is placed anew) and with one space before it. */
const tail = (s: string) => {
  const rest = s.replace(ON_CLUSTER, ' ').replace(/^[ \t]+/, ' ')
  return /^\s/.test(rest) || rest === '' ? rest : ` ${rest}`
}

/** Paren depth at each character, -1 inside a quoted string or identifier. */
function depths(sql: string): number[] {
  const out: number[] = new Array(sql.length)
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]
    if (quote) {
      out[i] = -1
      if (c === '\\') out[++i] = -1
      else if (c === quote) quote = null
      continue
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c
      out[i] = -1
      continue
    }
    if (c === '(') depth++
    out[i] = c === ')' ? --depth : depth
  }
  return out
}

/** The first match of `re` that starts at paren depth 0 outside quotes, from `from` on. */
function topLevel(sql: string, re: RegExp, from = 0): RegExpExecArray | null {
  const d = depths(sql)
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)
  g.lastIndex = from
  for (let m = g.exec(sql); m; m = g.exec(sql)) if (d[m.index] === 0) return m
  return null
}

/** Split at top-level commas (ALTER clauses, ORDER BY tuples). */
function splitTopLevel(sql: string): string[] {
  const d = depths(sql)
  const parts: string[] = []
  let start = 0
  for (let i = 0; i < sql.length; i++) if (sql[i] === ',' && d[i] === 0) {
    parts.push(sql.slice(start, i).trim())
    start = i + 1
  }
  parts.push(sql.slice(start).trim())
  return parts.filter(Boolean)
}

/** `(…)` starting at `open`: the text inside and the index after the closing paren. */
function parens(sql: string, open: number): { inner: string; end: number } {
  const d = depths(sql)
  for (let i = open + 1; i < sql.length; i++) if (sql[i] === ')' && d[i] === d[open] - 1) return { inner: sql.slice(open + 1, i), end: i + 1 }
  throw new Error(`unbalanced parentheses in: ${sql.slice(open, open + 60)}`)
}

function shardingKey(body: string): string {
  const m = topLevel(body, /\bORDER\s+BY\s+/i)
  if (!m) return 'rand()'
  const rest = body.slice(m.index + m[0].length)
  const expr = rest.startsWith('(') ? parens(rest, 0).inner : (/^[^\s]+/.exec(rest)?.[0] ?? '')
  const cols = splitTopLevel(expr)
  return cols.length === 0 || expr.trim() === 'tuple()' ? 'rand()' : `cityHash64(${cols.join(', ')})`
}

/**
 * The MergeTree-family engine clause of a CREATE (`ENGINE = X` or `ENGINE = X(args)`), or null.
 * `replicated` is the clause in Replicated form (kept as is when it already is).
 */
function mergeTreeEngine(sql: string): { start: number; end: number; engine: string; replicated: string } | null {
  const m = topLevel(sql, /\bENGINE\s*=\s*([A-Za-z]+)/i)
  if (!m || !/MergeTree$/.test(m[1])) return null
  let end = m.index + m[0].length
  let args: string | undefined
  if (sql[end] === '(') {
    const p = parens(sql, end)
    args = p.inner.trim()
    end = p.end
  }
  const engine = m[1]
  const replicated = engine.startsWith('Replicated')
    ? `ENGINE = ${engine}${args !== undefined ? `(${args})` : ''}`
    : `ENGINE = Replicated${engine}(${REPLICA_PATH}${args ? `, ${args}` : ''})`
  return { start: m.index, end, engine, replicated }
}

function distributed(name: string, cluster: string, key: string, ifNotExists: string): string {
  const local = `${name}${LOCAL_SUFFIX}`
  return `CREATE TABLE ${ifNotExists}${name} ON CLUSTER ${cluster} AS ${local} ENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${key})`
}

/** A CREATE TABLE or a materialized view with its own MergeTree storage: local Replicated + Distributed. */
function splitCreate(head: RegExpExecArray, stmt: string, cluster: string, schema: ClusterSchema): string[] | null {
  const [whole, kind, ifNotExists = '', name] = head
  const rest = tail(stmt.slice(whole.length))
  const engine = mergeTreeEngine(rest)
  if (!engine) return null
  const body = `${rest.slice(0, engine.start)}${engine.replicated}${rest.slice(engine.end)}`
  schema.sharded.add(name)
  const local = `CREATE ${kind} ${ifNotExists}${name}${LOCAL_SUFFIX} ON CLUSTER ${cluster}${body}`
  return [kind.toUpperCase().includes('MATERIALIZED') ? localSource(local, schema) : local, distributed(name, cluster, shardingKey(rest), ifNotExists)]
}

/** A materialized view fires on the local table its rows land in: its first top-level FROM names it. */
function localSource(stmt: string, schema: ClusterSchema): string {
  const as = topLevel(stmt, /\bAS\s+(?=WITH\b|SELECT\b|\()/i)
  if (!as) throw new Error(`cluster rendering: no AS SELECT in materialized view: ${stmt.slice(0, 80)}`)
  const from = topLevel(stmt, new RegExp(`\\bFROM\\s+${NAME}\\b`, 'i'), as.index)
  if (!from || !schema.sharded.has(from[1])) return stmt
  const at = from.index + from[0].length
  return `${stmt.slice(0, at)}${LOCAL_SUFFIX}${stmt.slice(at)}`
}

const COLUMN_CLAUSE = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i

/** Render one statement of a migration (placeholders already substituted) for `cluster`. */
export function clusterStatements(stmt: string, cluster: string, schema: ClusterSchema): string[] {
  const s = stmt.trim()
  const create = new RegExp(`^CREATE\\s+(TABLE|MATERIALIZED\\s+VIEW)\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}`, 'i').exec(s)
  if (create) {
    const split = splitCreate(create, s, cluster, schema)
    if (split) return split
    const rest = tail(s.slice(create[0].length))
    const rendered = `${create[0]} ON CLUSTER ${cluster}${rest}`
    return [/MATERIALIZED/i.test(create[1]) ? localSource(rendered, schema) : rendered]
  }
  const view = new RegExp(`^CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}`, 'i').exec(s)
  if (view) return [`${view[0]} ON CLUSTER ${cluster}${tail(s.slice(view[0].length))}`]
  const alter = new RegExp(`^ALTER\\s+TABLE\\s+${NAME}`, 'i').exec(s)
  if (alter) {
    const name = alter[1]
    const clauses = splitTopLevel(tail(s.slice(alter[0].length)))
    if (!schema.sharded.has(name)) return [`ALTER TABLE ${name} ON CLUSTER ${cluster} ${clauses.join(',\n    ')}`]
    const columns = clauses.filter((c) => COLUMN_CLAUSE.test(c))
    return [
      `ALTER TABLE ${name}${LOCAL_SUFFIX} ON CLUSTER ${cluster} ${clauses.join(',\n    ')}`,
      ...(columns.length ? [`ALTER TABLE ${name} ON CLUSTER ${cluster} ${columns.join(',\n    ')}`] : []),
    ]
  }
  const drop = new RegExp(`^DROP\\s+(TABLE|VIEW)\\s+(IF\\s+EXISTS\\s+)?${NAME}`, 'i').exec(s)
  if (drop) {
    const [, kind, ifExists = '', name] = drop
    if (!schema.sharded.delete(name)) return [`DROP ${kind} ${ifExists}${name} ON CLUSTER ${cluster}`]
    return [`DROP TABLE ${ifExists}${name} ON CLUSTER ${cluster}`, `DROP ${kind} ${ifExists}${name}${LOCAL_SUFFIX} ON CLUSTER ${cluster}`]
  }
  const local = new RegExp(`^(OPTIMIZE\\s+TABLE|TRUNCATE\\s+TABLE(?:\\s+IF\\s+EXISTS)?)\\s+${NAME}`, 'i').exec(s)
  if (local) {
    const name = schema.sharded.has(local[2]) ? `${local[2]}${LOCAL_SUFFIX}` : local[2]
    return [`${local[1]} ${name} ON CLUSTER ${cluster}${tail(s.slice(local[0].length))}`]
  }
  // Data statements go through the Distributed tables, from the node the collector talks to.
  if (/^(INSERT\s+INTO|SELECT|WITH)\b/i.test(s)) return [s]
  throw new Error(`cluster rendering does not know this statement (teach collector/storage/cluster-ddl.ts): ${s.slice(0, 80).replace(/\s+/g, ' ')}`)
}
