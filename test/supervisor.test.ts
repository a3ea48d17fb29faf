import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, tempDir, until } from './support/processes'

/**
 * `npm start`'s stop path (scripts/lib/supervisor.ts), with small child scripts standing in for
 * the collector, simulator, IdP and console (test/fixtures/supervisor/). The driver runs in its
 * own process group, as `npm start` does in a terminal, so a Ctrl-C can be sent to the whole group.
 */
const DRIVER = join(ROOT, 'test/fixtures/supervisor/driver.ts')
const NAMES = ['collector', 'simulator', 'idp', 'console']

interface Driver { proc: ChildProcess; log: string; output: () => string; exited: Promise<number | null> }

async function startDriver(names: string[], graceMs: number): Promise<Driver> {
  const log = join(tempDir('supervisor'), 'signals.log')
  writeFileSync(log, '')
  const proc = spawn(process.execPath, ['--import', 'tsx', DRIVER, log, String(graceMs), ...names], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  await until('every child ready', () => (out.includes('all up') ? true : undefined), 30_000)
  return { proc, log, output: () => out, exited }
}

const lines = (log: string) => readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '))
const pidsOf = (log: string) => new Map(lines(log).filter(([what]) => what === 'ready').map(([, name, pid]) => [name, Number(pid)]))
const running = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('npm start stop path (Supervisor)', () => {
  it('Ctrl-C at the terminal (SIGINT to the whole group) stops the children one by one in reverse start order', async () => {
    const d = await startDriver(NAMES, 10_000)
    process.kill(-d.proc.pid!, 'SIGINT')
    // The same Ctrl-C again at once, as `tsx` relays it when the child is slow to confirm: still one orderly stop.
    d.proc.kill('SIGINT')
    expect(await d.exited).toBe(130)
    expect(d.output()).not.toMatch(/SIGKILL\)$/m)
    const signals = lines(d.log).filter(([what]) => what !== 'ready')
    // Only the supervisor saw the Ctrl-C; each child got one SIGTERM, console first, collector last.
    expect(signals.map(([what, name]) => `${what} ${name}`)).toEqual(['sigterm console', 'sigterm idp', 'sigterm simulator', 'sigterm collector'])
    for (const [name, pid] of pidsOf(d.log)) expect(running(pid), `${name} still running`).toBe(false)
    const out = d.output()
    expect(out.indexOf('console stopped')).toBeLessThan(out.indexOf('collector stopped'))
  }, 60_000)

  it('a child that ignores SIGTERM gets SIGKILL after the grace period, said on screen, and the rest still stop in order', async () => {
    const d = await startDriver(['collector', 'idp:stubborn', 'console'], 1_500)
    d.proc.kill('SIGTERM')
    expect(await d.exited).toBe(143)
    expect(d.output()).toMatch(/idp did not exit 1\.5 s after SIGTERM: SIGKILL/)
    expect(d.output()).toMatch(/idp stopped \(SIGKILL\)/)
    expect(lines(d.log).filter(([what]) => what === 'sigterm').map(([, name]) => name)).toEqual(['console', 'idp', 'collector'])
    for (const [name, pid] of pidsOf(d.log)) expect(running(pid), `${name} still running`).toBe(false)
  }, 60_000)

  it('a second signal (pkill twice) kills what is left at once and leaves no child behind', async () => {
    // Long grace: without the second signal the stubborn IdP would hold the stop for a minute.
    const d = await startDriver(['collector', 'simulator', 'idp:stubborn', 'console'], 60_000)
    d.proc.kill('SIGTERM')
    await until('the IdP asked to stop', () => (lines(d.log).some(([what, name]) => what === 'sigterm' && name === 'idp') ? true : undefined), 10_000)
    await new Promise((r) => setTimeout(r, 1_200)) // past the window in which a repeat counts as the same signal
    d.proc.kill('SIGTERM')
    expect(await d.exited).toBe(143)
    expect(d.output()).toMatch(/SIGTERM again: killing collector, simulator, idp now \(SIGKILL\)/)
    for (const [name, pid] of pidsOf(d.log)) expect(running(pid), `${name} still running`).toBe(false)
  }, 60_000)
})
