import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorConfig } from '../config'
import { openClickHouse, QUERY_THREAD_NICE } from './client'
import { BACKGROUND_THREAD, ownThreads, threadsToLower } from './background-nice'

const dir = mkdtempSync(join(tmpdir(), 'fw-priority-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const setting = async (c: Awaited<ReturnType<typeof openClickHouse>>['client']) =>
  ((await (await c.query({ query: "SELECT toInt64(getSetting('os_thread_priority')) AS p", format: 'JSONEachRow' })).json()) as { p: number | string }[])[0].p

describe('embedded ClickHouse connections', () => {
  it('queries run at a lower OS priority than ingest, so a heavy panel yields the CPU to inserts', async () => {
    const ch = await openClickHouse({ clickhouseDatabase: 'default', dataDir: dir } as CollectorConfig)
    try {
      expect(QUERY_THREAD_NICE).toBeGreaterThan(0)
      expect(Number(await setting(ch.client))).toBe(QUERY_THREAD_NICE)
      expect(Number(await setting(ch.ingest))).toBe(0)
    } finally {
      await ch.close()
    }
  })
})

describe('ClickHouse background threads (background-nice.ts)', () => {
  it('picks the background threads by name that run above the nice value asked for', () => {
    const threads = [
      { tid: 1, name: 'node', nice: 0 }, { tid: 2, name: 'MergeMutate', nice: 0 }, { tid: 3, name: 'BgSchPool', nice: 10 },
      { tid: 4, name: 'ChunkParser', nice: 5 }, { tid: 5, name: 'QueryPipelineEx', nice: 0 }, { tid: 6, name: 'Segmentator', nice: 19 },
      { tid: 7, name: 'libuv-worker', nice: 0 }, { tid: 8, name: 'BgMBSchPool', nice: 0 },
    ]
    expect(threadsToLower(threads, 10)).toEqual([2, 4, 8])
    expect(threadsToLower(threads, 0)).toEqual([])
  })

  it('reads this process\'s threads with their names and nice values', () => {
    const mine = ownThreads()
    expect(mine.find((t) => t.tid === process.pid)).toMatchObject({ tid: process.pid, nice: 0 })
    expect(mine.every((t) => Number.isInteger(t.nice) && t.nice >= -20 && t.nice <= 19 && t.name.length > 0)).toBe(true)
  })

  it('lowers embedded chDB\'s background threads of this process to CHDB_BACKGROUND_NICE, and keeps doing so', async () => {
    const ch = await openClickHouse({ clickhouseDatabase: 'default', dataDir: dir, chdbBackgroundNice: 10 } as CollectorConfig)
    try {
      await ch.ingest.command({ query: 'CREATE TABLE IF NOT EXISTS nice_probe (n UInt64) ENGINE = MergeTree ORDER BY n' })
      for (let i = 0; i < 5; i++) await ch.ingest.insert({ table: 'nice_probe', values: [{ n: i }], format: 'JSONEachRow' })
      const background = () => ownThreads().filter((t) => BACKGROUND_THREAD.test(t.name))
      let seen = background()
      for (let waited = 0; waited < 15_000 && (seen.length === 0 || seen.some((t) => t.nice < 10)); waited += 250) {
        await new Promise((r) => setTimeout(r, 250))
        seen = background()
      }
      expect(seen.length, 'ClickHouse background threads in this process').toBeGreaterThan(0)
      expect(seen.filter((t) => t.nice < 10)).toEqual([])
      // The receiver's own thread is left as it was.
      expect(ownThreads().find((t) => t.tid === process.pid)?.nice).toBe(0)
    } finally {
      await ch.close()
    }
  }, 30_000)
})
