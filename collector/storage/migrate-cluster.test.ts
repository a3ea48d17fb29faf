import { describe, expect, it } from 'vitest'
import { clusterStatements, newClusterSchema } from './cluster-ddl'
import { loadMigrations, migrationsTableDdl, renderMigration } from './migrate'

/**
 * Every migration rendered for a cluster (CLICKHOUSE_CLUSTER): whatever migrations exist when
 * this runs (others add theirs), each renders, every statement runs ON CLUSTER, every
 * MergeTree-family table becomes a Replicated local table with the {shard}/{replica} macros plus
 * a Distributed table under the original name (so the collector inserts and queries unchanged),
 * and materialized views fire on the local tables.
 */
const CLUSTER = 'fw'
const single = loadMigrations({ ttlDays: 30 })
const cluster = loadMigrations({ cluster: CLUSTER, ttlDays: 30 })
const statements = cluster.flatMap((m) => m.statements.map((s) => ({ migration: `${m.version}_${m.name}`, s })))

const CREATE_TABLE = /^CREATE TABLE (?:IF NOT EXISTS )?([A-Za-z_][A-Za-z0-9_]*)/
const ENGINE = /\bENGINE = ([A-Za-z]+)/
/** Tables the single-node schema creates with a MergeTree-family engine. */
const mergeTreeTables = single.flatMap((m) => m.statements).flatMap((s) => {
  const t = CREATE_TABLE.exec(s)
  const e = ENGINE.exec(s)
  return t && e && e[1].endsWith('MergeTree') ? [t[1]] : []
})
const distributedOf = (name: string) => statements.find(({ s }) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${CLUSTER} AS ${name}_local ENGINE = Distributed(${CLUSTER}, currentDatabase(), ${name}_local, `))

describe('every migration rendered for a cluster', () => {
  it('renders every migration file, none left out', () => {
    expect(cluster.map((m) => m.version)).toEqual(single.map((m) => m.version))
    for (const m of cluster) expect(m.statements.length, `${m.version}_${m.name}`).toBeGreaterThan(0)
  })

  it('leaves no placeholder and runs every DDL statement ON CLUSTER', () => {
    for (const { migration, s } of statements) {
      expect(s, migration).not.toMatch(/\{on_cluster\}|\{engine:|\{ttl_days\}/)
      if (!/^(INSERT|SELECT|WITH)\b/.test(s)) expect(s, `${migration}: ${s.slice(0, 80)}`).toContain(` ON CLUSTER ${CLUSTER}`)
    }
  })

  it('gives every MergeTree-family table a Replicated local table with {shard}/{replica} macros and a Distributed table under its name', () => {
    expect(mergeTreeTables).toEqual(expect.arrayContaining(['mfa_events', 'otel_logs', 'otel_traces', 'otel_traces_trace_id_ts', 'mfa_rollup_1m', 'mfa_rollup_1h', 'otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram']))
    for (const name of mergeTreeTables) {
      const local = statements.find(({ s }) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${name}_local ON CLUSTER ${CLUSTER}`))
      expect(local, `${name}_local`).toBeDefined()
      expect(local!.s).toMatch(/ENGINE = Replicated[A-Za-z]*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/)
      expect(distributedOf(name), `Distributed ${name}`).toBeDefined()
    }
    // No MergeTree table left unreplicated, no Distributed table without its local one.
    for (const { migration, s } of statements) {
      const e = ENGINE.exec(s)
      if (e && e[1].endsWith('MergeTree')) expect(e[1], migration).toMatch(/^Replicated/)
    }
  })

  it('shards every table by its ORDER BY key: rows that merge meet, and a replayed batch splits as before', () => {
    expect(distributedOf('mfa_events')!.s).toMatch(/, mfa_events_local, cityHash64\(event, ts, event_id\)\)$/)
    expect(distributedOf('mfa_rollup_1m')!.s).toMatch(/cityHash64\(event, minute, outcome, reason, factor, provider, region, user_group, client\)\)$/)
    expect(distributedOf('otel_traces_trace_id_ts')!.s).toMatch(/cityHash64\(TraceId\)\)$/)
    expect(distributedOf('otel_logs')!.s).toMatch(/, cityHash64\(ServiceName, TimestampTime, Timestamp\)\)$/)
    for (const name of mergeTreeTables) expect(distributedOf(name)!.s, name).not.toContain('rand()')
  })

  it('fires materialized views on the local tables and writes through the Distributed ones', () => {
    const views = statements.filter(({ s }) => s.startsWith('CREATE MATERIALIZED VIEW'))
    expect(views.length).toBeGreaterThanOrEqual(3)
    for (const { migration, s } of views) {
      const from = /\bFROM ([A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(s.search(/\bAS\s+(WITH|SELECT)\b/)))
      expect(from, migration).not.toBeNull()
      if (mergeTreeTables.includes(from![1].replace(/_local$/, ''))) expect(from![1], migration).toMatch(/_local$/)
      const to = / TO ([A-Za-z_][A-Za-z0-9_]*)/.exec(s)
      if (to) expect(to[1], migration).not.toMatch(/_local$/)
    }
    expect(views.map(({ s }) => s).join('\n')).toContain('FROM mfa_events_local')
  })

  it('keeps the record of applied migrations on every node, one Keeper path for all shards', () => {
    expect(migrationsTableDdl(CLUSTER)).toContain(`schema_migrations ON CLUSTER ${CLUSTER}`)
    expect(migrationsTableDdl(CLUSTER)).toContain(`ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{replica}')`)
    expect(migrationsTableDdl(undefined)).not.toContain('ON CLUSTER')
  })

  it('renders exactly as before without a cluster', () => {
    for (const { s } of single.flatMap((m) => m.statements.map((x) => ({ s: x })))) {
      expect(s).not.toMatch(/ON CLUSTER|Replicated|Distributed|_local\b/)
    }
  })
})

describe('cluster rendering of statement forms (cluster-ddl.ts)', () => {
  const render = (sql: string[]) => {
    const schema = newClusterSchema()
    return sql.map((s) => renderMigration(s, { cluster: CLUSTER, ttlDays: 7 }, schema))
  }

  it('ALTER of a split table: columns on both tables, settings and TTL on the local one only', () => {
    const [, alter, settings] = render([
      'CREATE TABLE t {on_cluster} (a UInt8, b String) ENGINE = {engine:ReplacingMergeTree(a)} ORDER BY (b)',
      "ALTER TABLE t {on_cluster} ADD COLUMN IF NOT EXISTS c String DEFAULT '', MODIFY TTL toDate(now()) + 1, DROP COLUMN b",
      'ALTER TABLE t {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 5',
    ])
    expect(alter).toEqual([
      `ALTER TABLE t_local ON CLUSTER fw ADD COLUMN IF NOT EXISTS c String DEFAULT '',\n    MODIFY TTL toDate(now()) + 1,\n    DROP COLUMN b`,
      `ALTER TABLE t ON CLUSTER fw ADD COLUMN IF NOT EXISTS c String DEFAULT '',\n    DROP COLUMN b`,
    ])
    expect(settings).toEqual(['ALTER TABLE t_local ON CLUSTER fw MODIFY SETTING non_replicated_deduplication_window = 5'])
  })

  it('a statement that forgot {on_cluster}, and a literal engine, are rendered all the same', () => {
    const [t] = render(['CREATE TABLE IF NOT EXISTS x (a UInt8) ENGINE = SummingMergeTree ORDER BY a'])
    expect(t).toEqual([
      "CREATE TABLE IF NOT EXISTS x_local ON CLUSTER fw (a UInt8) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY a",
      'CREATE TABLE IF NOT EXISTS x ON CLUSTER fw AS x_local ENGINE = Distributed(fw, currentDatabase(), x_local, cityHash64(a))',
    ])
  })

  it('a materialized view with its own storage is split too and reads the local source', () => {
    const [, mv] = render([
      'CREATE TABLE src (k String, ts DateTime) ENGINE = MergeTree ORDER BY ts',
      "CREATE MATERIALIZED VIEW IF NOT EXISTS per_k {on_cluster} ENGINE = {engine:SummingMergeTree} ORDER BY k AS SELECT k, count() AS n FROM src WHERE k != 'FROM x' GROUP BY k",
    ])
    expect(mv[0]).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS per_k_local ON CLUSTER fw ENGINE = ReplicatedSummingMergeTree\(.*\) ORDER BY k AS SELECT k, count\(\) AS n FROM src_local WHERE k != 'FROM x' GROUP BY k$/)
    expect(mv[1]).toBe('CREATE TABLE IF NOT EXISTS per_k ON CLUSTER fw AS per_k_local ENGINE = Distributed(fw, currentDatabase(), per_k_local, cityHash64(k))')
  })

  it('non-MergeTree tables and views run ON CLUSTER as they are; DROP of a split table drops both', () => {
    const [nullTable, view, drop] = render([
      'CREATE TABLE IF NOT EXISTS inbox {on_cluster} (a UInt8) ENGINE = Null',
      'CREATE VIEW IF NOT EXISTS v {on_cluster} AS SELECT * FROM inbox',
      'DROP TABLE IF EXISTS inbox',
    ])
    expect(nullTable).toEqual(['CREATE TABLE IF NOT EXISTS inbox ON CLUSTER fw (a UInt8) ENGINE = Null'])
    expect(view).toEqual(['CREATE VIEW IF NOT EXISTS v ON CLUSTER fw AS SELECT * FROM inbox'])
    expect(drop).toEqual(['DROP TABLE IF EXISTS inbox ON CLUSTER fw'])
    const [, dropSplit] = render(['CREATE TABLE s (a UInt8) ENGINE = MergeTree ORDER BY a', 'DROP TABLE IF EXISTS s'])
    expect(dropSplit).toEqual(['DROP TABLE IF EXISTS s ON CLUSTER fw', 'DROP TABLE IF EXISTS s_local ON CLUSTER fw'])
  })

  it('an ON CLUSTER written in the migration is replaced by the configured one; a JOIN … ON cluster … is left alone', () => {
    const [t, v] = render([
      "CREATE TABLE IF NOT EXISTS y ON CLUSTER '{cluster}' (a UInt8) ENGINE = MergeTree ORDER BY a",
      'CREATE VIEW w AS SELECT * FROM y JOIN z ON cluster IN (1, 2)',
    ])
    expect(t[0]).toMatch(/^CREATE TABLE IF NOT EXISTS y_local ON CLUSTER fw \(a UInt8\)/)
    expect(v).toEqual(['CREATE VIEW w ON CLUSTER fw AS SELECT * FROM y JOIN z ON cluster IN (1, 2)'])
  })

  it('refuses a statement it does not know, by name, instead of running it on one node', () => {
    expect(() => clusterStatements('RENAME TABLE a TO b', CLUSTER, newClusterSchema())).toThrow(/cluster rendering does not know this statement .*RENAME TABLE a TO b/)
  })
})
