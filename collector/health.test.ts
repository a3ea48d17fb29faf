import { mkdtempSync, rmSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HealthResponse } from '../contract/query'
import { clickhouseCheck, diskCheck, diskStatus, HealthRegistry, httpStatusOf, worst } from './health'

const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'fw-health-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('disk status from free bytes', () => {
  const t = { degradedBelowBytes: 1024 * MiB, failingBelowBytes: 100 * MiB }
  it.each([
    [50_000 * MiB, 'ok', /^50000 MiB free of 100000 MiB$/],
    [1024 * MiB, 'ok', /^1024 MiB free/],
    [1023 * MiB, 'degraded', /^data directory disk filling up: 1023 MiB free of 100000 MiB, below 1024 MiB \(HEALTH_DISK_DEGRADED_FREE_BYTES\)$/],
    [99 * MiB, 'failing', /^data directory disk nearly full: 99 MiB free of 100000 MiB, below 100 MiB \(HEALTH_DISK_FAILING_FREE_BYTES\)$/],
    [0, 'failing', /0\.0 MiB free/],
  ])('%d bytes free → %s', (free, status, reason) => {
    const r = diskStatus(free, 100_000 * MiB, t)
    expect(r.status).toBe(status)
    expect(r.reason).toMatch(reason)
  })
})

describe('disk check on this machine (statfs)', () => {
  it('is ok with thresholds of 0, degraded and failing with thresholds above the free space', async () => {
    const s = await statfs(dir)
    const free = s.bavail * s.bsize
    expect((await diskCheck(dir, { degradedBelowBytes: 0, failingBelowBytes: 0 }).check()).status).toBe('ok')
    expect((await diskCheck(dir, { degradedBelowBytes: free * 4, failingBelowBytes: 1 }).check())).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/filling up/) })
    expect((await diskCheck(dir, { degradedBelowBytes: free * 4, failingBelowBytes: free * 2 }).check())).toMatchObject({ status: 'failing', reason: expect.stringMatching(/nearly full/) })
  })

  it('measures a directory not made yet at its parent; an unreadable one is failing', async () => {
    expect((await diskCheck(join(dir, 'not', 'yet'), { degradedBelowBytes: 0, failingBelowBytes: 0 }).check()).status).toBe('ok')
    const denied = diskCheck(dir, { degradedBelowBytes: 0, failingBelowBytes: 0 }, async () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }) })
    expect(await denied.check()).toEqual({ status: 'failing', reason: "cannot read the data directory's file system: EACCES" })
  })
})

describe('health registry', () => {
  it('reports the worst status with every check and its reason; 503 only for failing', async () => {
    const reg = new HealthRegistry(200)
      .register({ name: 'a', check: async () => ({ status: 'ok', reason: 'fine' }) })
      .register({ name: 'spool', check: async () => ({ status: 'degraded', reason: 'backlog 300 MiB' }) })
    expect(await reg.report()).toEqual({ status: 'degraded', checks: [{ name: 'a', status: 'ok', reason: 'fine' }, { name: 'spool', status: 'degraded', reason: 'backlog 300 MiB' }] })
    // A check that throws or hangs is failing, with why.
    reg.register({ name: 'boom', check: async () => { throw new Error('exploded\nstack') } })
    reg.register({ name: 'hang', check: () => new Promise(() => {}) })
    const r = await reg.report()
    expect(r.status).toBe('failing')
    expect(r.checks.slice(2)).toEqual([{ name: 'boom', status: 'failing', reason: 'check failed: exploded' }, { name: 'hang', status: 'failing', reason: 'no answer within 200 ms' }])
    // Registering a name again replaces the check.
    reg.register({ name: 'boom', check: async () => ({ status: 'ok', reason: 'recovered' }) })
    expect(reg.names()).toEqual(['a', 'spool', 'boom', 'hang'])
    expect([httpStatusOf('ok'), httpStatusOf('degraded'), httpStatusOf('failing')]).toEqual([200, 200, 503])
    expect(worst([])).toBe('ok')
  })

  it('ClickHouse check: ok when SELECT 1 answers, failing (or as told) when it does not', async () => {
    const up = { query: async () => ({ json: async () => [{ 1: 1 }] }) } as unknown as Parameters<typeof clickhouseCheck>[0]
    const down = { query: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:8123') } } as unknown as Parameters<typeof clickhouseCheck>[0]
    expect(await clickhouseCheck(up, 'server').check()).toMatchObject({ status: 'ok', reason: expect.stringMatching(/^ClickHouse server answered SELECT 1 in \d+ ms$/) })
    expect(await clickhouseCheck(down, 'server').check()).toEqual({ status: 'failing', reason: 'ClickHouse server did not answer SELECT 1: connect ECONNREFUSED 127.0.0.1:8123' })
    expect((await clickhouseCheck(down, 'chdb', { unreachable: 'degraded' }).check()).status).toBe('degraded')
  })

  it('a report fits the query API contract', async () => {
    const r = await new HealthRegistry().register(diskCheck(dir, { degradedBelowBytes: 0, failingBelowBytes: 0 })).report()
    expect(HealthResponse.safeParse({ ...r, clickhouse: 'chdb', uptime_s: 3 }).success).toBe(true)
  })
})
