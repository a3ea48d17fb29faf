import { execFileSync } from 'node:child_process'
import { mkdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { consoleBuildReason } from '../../scripts/lib/build-check'
import { ROOT, startProcess, type Running } from './processes'

const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next')
const LOCK = join(ROOT, '.next-build.lock')

/**
 * Build the console unless `.next` is newer than its sources. Test files run in parallel
 * forks, so a lock directory keeps two of them from building into `.next/` at once.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch {
      // A lock older than 10 minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 600_000) rmdirSync(LOCK)
      } catch {
        // Another run removed or renewed it first.
      }
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
  try {
    const reason = consoleBuildReason(ROOT)
    if (reason) {
      process.stdout.write(`building the console for browser tests (${reason})\n`)
      execFileSync(process.execPath, [NEXT_BIN, 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1' } })
    }
  } finally {
    rmdirSync(LOCK)
  }
}

/** `next start` of the built console on `port`, reading the collector at `collectorQueryUrl`. */
export async function startConsole(port: number, collectorQueryUrl: string): Promise<Running> {
  await ensureConsoleBuilt()
  return startProcess(
    'console',
    NEXT_BIN,
    ['start', '-p', String(port), '-H', '127.0.0.1'],
    { COLLECTOR_QUERY_URL: collectorQueryUrl, NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1' },
    [/Ready in|started server|Local:/i],
    60_000,
    'node',
  )
}
