// Completes package-lock.json with the platform packages of native dependencies (chdb's
// @chdb/lib-*, next's @next/swc-*) that `npm install` could not list because the registry it
// ran against has no packages for other platforms. Without them `npm ci` refuses the lock as
// out of sync on every machine. Each entry gets the version, the public registry's tarball
// URL and the os/cpu/libc that its name states; npm skips it on other platforms and fetches
// it (without a pinned integrity, which only the public registry can give) on its own.
//
//   npx tsx scripts/lock-platforms.ts          rewrite package-lock.json
//   npx tsx scripts/lock-platforms.ts --check  exit 1 naming what is missing
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const LOCK = join(ROOT, 'package-lock.json')
/** Packages whose optionalDependencies are per-platform binaries. */
const NATIVE = ['chdb', 'next']

type Lock = { packages: Record<string, { optionalDependencies?: Record<string, string> } & Record<string, unknown>> }
export interface MissingEntry { parent: string; name: string; version: string; platform: Record<string, string[]> }

export function platformOf(name: string): Record<string, string[]> | undefined {
  const base = name.split('/').pop() ?? name
  const os = ['darwin', 'linux', 'win32', 'freebsd'].find((o) => base.includes(o))
  const cpu = ['arm64', 'x64', 'ia32', 'arm'].find((c) => base.includes(`-${c}`))
  const libc = base.includes('-gnu') ? 'glibc' : base.includes('-musl') ? 'musl' : undefined
  if (!os || !cpu) return undefined
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) }
}

export function missingPlatformEntries(lock: Lock): MissingEntry[] {
  const out: MissingEntry[] = []
  for (const parent of NATIVE) {
    const entry = lock.packages[`node_modules/${parent}`]
    if (!entry?.optionalDependencies) continue
    for (const [name, version] of Object.entries(entry.optionalDependencies)) {
      const platform = platformOf(name)
      if (!platform || lock.packages[`node_modules/${name}`]) continue
      out.push({ parent, name, version, platform })
    }
  }
  return out
}

function main() {
  const lock = JSON.parse(readFileSync(LOCK, 'utf8')) as Lock
  const missing = missingPlatformEntries(lock)
  if (process.argv.includes('--check')) {
    for (const m of missing) console.error(`package-lock.json: missing ${m.name}@${m.version} (optional platform package of ${m.parent}); run npx tsx scripts/lock-platforms.ts`)
    process.exit(missing.length > 0 ? 1 : 0)
  }
  for (const m of missing) {
    const base = m.name.split('/').pop() ?? m.name
    lock.packages[`node_modules/${m.name}`] = {
      version: m.version,
      resolved: `https://registry.npmjs.org/${m.name}/-/${base}-${m.version}.tgz`,
      ...m.platform,
      optional: true,
    }
  }
  const keys = Object.keys(lock.packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0))
  lock.packages = Object.fromEntries(keys.map((k) => [k, lock.packages[k]]))
  writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`)
  console.log(`package-lock.json: added ${missing.length} platform package(s)${missing.length ? `: ${missing.map((m) => m.name).join(', ')}` : ''}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
