import { rmSync } from 'node:fs'
import { loadCollectorConfig } from '../../collector/config'
import { openClickHouse, type ClickHouseClient } from '../../collector/storage/client'
import { migrate } from '../../collector/storage/migrate'
import { tempDir } from './processes'

export interface TestStore { client: ClickHouseClient; transport: 'chdb' | 'server'; close: () => Promise<void> }

/** An embedded chDB store in a fresh temporary directory with every migration applied; close() removes it. */
export async function openTestStore(prefix: string): Promise<TestStore> {
  const dir = tempDir(prefix)
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  await migrate(ch.client, { ttlDays: 400 })
  return {
    client: ch.client, transport: ch.transport,
    close: async () => {
      await ch.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
