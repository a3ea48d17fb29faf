import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { DEFAULT_REGISTRY_PATH } from '../../dashboards/schema/registry'
import { tempDir } from './processes'

export interface BreakerSettings { failureRatio: number; minimumRequests: number; openSeconds: number; halfOpenProbes: number }

/** The shipped registry with one vendor's breaker replaced, written to `dir` (a new temp dir by default); returns its path. */
export function registryWithBreaker(vendor: string, breaker: BreakerSettings, dir: string = tempDir('registry')): string {
  const reg = parse(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8'))
  for (const v of reg.vendors) if (v.id === vendor) v.breaker = breaker
  const path = join(dir, 'subprocessors.yaml')
  writeFileSync(path, stringify(reg))
  return path
}
