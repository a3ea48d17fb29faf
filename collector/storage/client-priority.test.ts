import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorConfig } from '../config'
import { openClickHouse, QUERY_THREAD_NICE } from './client'

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
