import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadRegistry, type Registry } from '../../dashboards/schema/registry'
import { ConsoleError } from './collector-client'

/**
 * The sub-processor registry for route handlers (server only), validated by the registry's own
 * schema (dashboards/schema/registry.ts) and re-read when the file changes.
 */
export type { Registry }

let cached: { path: string; mtimeMs: number; registry: Registry } | undefined

/** Load (or reuse) the registry at `path` (relative to the working directory). */
export async function readRegistry(path: string): Promise<Registry> {
  const abs = resolve(process.cwd(), path)
  let mtimeMs: number
  try {
    mtimeMs = statSync(abs).mtimeMs
  } catch (err) {
    throw new ConsoleError('registry_invalid', `${path}: cannot read registry: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (cached && cached.path === abs && cached.mtimeMs === mtimeMs) return cached.registry
  try {
    const registry = loadRegistry(abs)
    cached = { path: abs, mtimeMs, registry }
    return registry
  } catch (err) {
    throw new ConsoleError('registry_invalid', `sub-processor registry is invalid: ${(err as Error).message.split('\n').slice(0, 3).join('; ')}`)
  }
}
