import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtime(path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** Why the console needs a (re)build, or null when `.next` is newer than every source. */
export function consoleBuildReason(root: string, sources = ['app', 'contract', 'dashboards/schema', 'middleware.ts', 'instrumentation.ts', 'next.config.ts', 'package-lock.json']): string | null {
  const buildId = join(root, '.next', 'BUILD_ID')
  if (!existsSync(buildId)) return 'first run: no console build yet'
  const built = statSync(buildId).mtimeMs
  for (const s of sources) {
    const p = join(root, s)
    if (existsSync(p) && newestMtime(p) > built) return `${s} changed since the last build`
  }
  return null
}
