/**
 * SQL straight into a collector's stopped chDB data directory, in a child process: a chDB data
 * directory opens in one process at a time, and the bench process stays light while ClickHouse
 * generates or copies millions of rows. `runChdb(dir, statements)` spawns this file; each
 * statement's wall time comes back in order. Used for what the bench needs outside the
 * collector's public API: generating panel data and the raw-insert ceiling.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export interface StatementResult { ms: number; rows: unknown[] }

/** The chDB path inside a collector data directory (collector/storage/client.ts puts it there). */
export const chdbPath = (dataDir: string) => join(dataDir, 'chdb')

const ROOT = new URL('../../', import.meta.url).pathname

/**
 * Run statements in order against `dataDir`'s chDB, in a child process. A statement that starts
 * with SELECT returns its rows (JSONEachRow). `onDone(i, ms)` reports each as it finishes.
 */
export function runChdb(dataDir: string, statements: string[], onDone?: (i: number, ms: number) => void): Promise<StatementResult[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/chdb-sql.ts'), chdbPath(dataDir)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  let err = ''
  let buf = ''
  const results: StatementResult[] = []
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (!line.startsWith('{')) continue
      const r = JSON.parse(line) as StatementResult
      onDone?.(results.length, r.ms)
      results.push(r)
    }
  })
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
  proc.stdin.end(JSON.stringify(statements))
  return new Promise((resolve, reject) => {
    proc.once('error', reject)
    proc.once('exit', (code) => (code === 0 && results.length === statements.length ? resolve(results) : reject(new Error(`chDB runner exited with ${code} after ${results.length} of ${statements.length} statements: ${err.slice(-2000)}`))))
  })
}

async function child(path: string): Promise<void> {
  const { Session } = await import('chdb')
  let input = ''
  for await (const chunk of process.stdin) input += String(chunk)
  const statements = JSON.parse(input) as string[]
  const session = new Session(path)
  try {
    for (const q of statements) {
      const t0 = performance.now()
      const r = await session.queryAsync(q, { format: 'JSONEachRow' })
      const text = /^\s*SELECT/i.test(q) ? r.text() : ''
      const rows = text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as unknown)
      process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, rows })}\n`)
    }
  } finally {
    session.close()
  }
}

if (process.argv[1]?.endsWith('bench/chdb-sql.ts')) {
  child(process.argv[2]).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`)
    process.exit(1)
  })
}
