import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COLLECTOR_UV_THREADPOOL_SIZE } from '../../collector/threadpool'

export const ROOT = new URL('../../', import.meta.url).pathname

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fw-${prefix}-`))
}

export interface Running {
  proc: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

/**
 * Start a project process (`tsx <entry>`, or a plain node script with runner 'node'), resolve once every `ready` pattern has been seen on
 * stdout, reject with its output if it exits first or takes longer than `timeoutMs`.
 */
export async function startProcess(
  name: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp[],
  timeoutMs = 90_000,
  runner: 'tsx' | 'node' = 'tsx',
): Promise<Running> {
  // PROF_FLAGS: node flags for a profile of the child (e.g. --cpu-prof --cpu-prof-dir=DIR; NODE_OPTIONS refuses them).
  const prof = process.env.PROF_FLAGS ? process.env.PROF_FLAGS.split(' ').filter(Boolean) : []
  const nodeArgs = runner === 'tsx' ? [...prof, '--import', 'tsx', join(ROOT, entry), ...args] : [entry, ...args]
  const proc = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, ...launchEnv(entry), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      proc.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      proc.kill('SIGTERM')
    })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${out}`))
    }, timeoutMs)
    const check = () => {
      if (ready.every((r) => r.test(out))) {
        clearTimeout(timer)
        proc.stdout!.off('data', check)
        resolve()
      }
    }
    proc.stdout!.on('data', check)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code} before it was ready:\n${out}`))
    })
  })
  return { proc, output: () => out, stop }
}

/** What a launcher sets for `entry`: the collector's libuv thread pool (collector/threadpool.ts), as npm start does. */
const launchEnv = (entry: string): Record<string, string> =>
  entry === 'collector/main.ts' ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? COLLECTOR_UV_THREADPOOL_SIZE } : {}

/** Run a TypeScript program to its end; resolves with its exit code and output (killed after `timeoutMs`). */
export function runToExit(entry: string, args: string[], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, entry), ...args], { cwd: ROOT, env: { ...process.env, ...launchEnv(entry), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) => proc.once('exit', (code) => {
    clearTimeout(timer)
    resolve({ code, output })
  }))
}

/** Poll `probe` every 25 ms until it gives a value other than undefined; the error names `what`. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Poll `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Under CI=true a missing prerequisite fails the run; elsewhere the caller may skip. */
export function requirePrerequisite(ok: boolean, what: string): boolean {
  if (!ok && process.env.CI === 'true') throw new Error(`missing prerequisite under CI=true: ${what}`)
  return ok
}
