import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

/*
 * A collector writing to a ClickHouse server never loads chDB: importing the library maps
 * ~150 MB of it into the process (measured: RSS 49 → 196 MB on import alone). Run in a child
 * process, so this test's own imports (and the other tests' chDB) do not count.
 */
const CHILD = `
import { createServer } from 'node:http'
import { loadCollectorConfig } from './collector/config.ts'
import { openClickHouse } from './collector/storage/client.ts'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// A stand-in server: answers every statement with an empty 200, enough for CREATE DATABASE.
const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end()) })
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const dataDir = mkdtempSync(join(tmpdir(), 'fw-lazy-chdb-'))
const mode = process.argv.at(-1)
const env = mode === 'server' ? { CLICKHOUSE_URL: 'http://127.0.0.1:' + server.address().port } : {}
const ch = await openClickHouse(loadCollectorConfig(env, { dataDir }))
const mapped = readFileSync('/proc/self/maps', 'utf8').includes('libchdb')
await ch.close()
server.close()
rmSync(dataDir, { recursive: true, force: true })
console.log(JSON.stringify({ mapped }))
`

const run = (mode: 'server' | 'embedded'): { mapped: boolean } =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, '--', mode], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8', timeout: 60_000 }).trim().split('\n').at(-1)!)

describe('chDB is loaded only for the embedded store', () => {
  it('a collector with CLICKHOUSE_URL never maps libchdb; an embedded one does', () => {
    expect(run('server')).toEqual({ mapped: false })
    expect(run('embedded')).toEqual({ mapped: true })
  }, 90_000)
})
