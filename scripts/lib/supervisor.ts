import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface ChildSpec {
  name: string
  command: string
  args: string[]
  env?: Record<string, string>
  /** Resolves start() once a stdout line matches; undefined = ready at spawn. */
  ready?: RegExp
  /** Whether a clean exit is expected (e.g. a build step or a finite traffic run). */
  finite?: boolean
}

export interface SupervisorOptions {
  out?: (line: string) => void
  /** How long a child has between SIGTERM and SIGKILL (default 10 s). */
  graceMs?: number
  /** Ends this process once everything is stopped (default process.exit). */
  exit?: (code: number) => void
  /**
   * Signals within this long of the first are the same request (default 1 s): one Ctrl-C can
   * arrive twice, from the terminal and relayed by `tsx` (which relays when the child does not
   * confirm receipt within 30 ms, easily missed on a loaded machine).
   */
  repeatWindowMs?: number
}

const COLORS = [36, 35, 33, 32, 34, 31]
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const

/** `[name] line`, padded so the columns of all processes line up; coloured on a terminal. */
export function prefixLine(name: string, width: number, line: string, color: number | null): string {
  const tag = `[${name}]`.padEnd(width + 2)
  return color === null ? `${tag} ${line}` : `\x1b[${color}m${tag}\x1b[0m ${line}`
}

const alive = (proc: ChildProcess) => proc.exitCode === null && proc.signalCode === null

/**
 * Signal a child's whole process group (its own children too). Children run in their own group
 * (`detached`), so a terminal's Ctrl-C reaches only the supervisor, which then stops them in
 * order instead of all at once.
 */
function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (proc.pid !== undefined) process.kill(-proc.pid, signal)
  } catch {
    proc.kill(signal)
  }
}

/**
 * Starts child processes, prefixes their output, and stops all of them on Ctrl-C, SIGTERM or
 * when a long-running child dies: in reverse start order (the producers before the collector they
 * send to), each given SIGTERM and `graceMs` before SIGKILL. A second signal while stopping kills
 * what is left at once, and this process exits only once every child has.
 */
export class Supervisor {
  private children: { spec: ChildSpec; proc: ChildProcess }[] = []
  private stopping: Promise<never> | null = null
  private firstSignalAt: number | null = null
  private killed = false
  private width = 10
  private readonly tty = Boolean(process.stdout.isTTY)
  private readonly out: (line: string) => void
  private readonly graceMs: number
  private readonly exit: (code: number) => void
  private readonly repeatWindowMs: number

  constructor(o: SupervisorOptions = {}) {
    this.out = o.out ?? ((l) => process.stdout.write(`${l}\n`))
    this.graceMs = o.graceMs ?? 10_000
    this.exit = o.exit ?? ((code) => process.exit(code))
    this.repeatWindowMs = o.repeatWindowMs ?? 1000
    for (const [signal, code] of Object.entries(STOP_SIGNALS)) process.on(signal, () => this.onSignal(signal, code))
    // Last resort when this process ends without stopping them (an uncaught error): detached
    // children would outlive it, so they are killed here (synchronously, all that 'exit' allows).
    process.on('exit', () => {
      for (const { proc } of this.children) if (alive(proc)) signalGroup(proc, 'SIGKILL')
    })
  }

  say(line: string): void {
    this.out(prefixLine('start', this.width, line, this.tty ? 1 : null))
  }

  start(spec: ChildSpec): Promise<ChildProcess> {
    this.width = Math.max(this.width, spec.name.length)
    const color = this.tty ? COLORS[this.children.length % COLORS.length] : null
    const proc = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.children.push({ spec, proc })
    return new Promise((resolve, reject) => {
      let ready = !spec.ready
      if (ready) resolve(proc)
      for (const stream of [proc.stdout!, proc.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          this.out(prefixLine(spec.name, this.width, line, color))
          if (!ready && spec.ready!.test(line)) {
            ready = true
            resolve(proc)
          }
        })
      }
      proc.once('error', (err) => {
        if (!ready) reject(new Error(`${spec.name} could not start: ${err.message}`))
      })
      proc.once('exit', (code, signal) => {
        if (this.stopping) return
        if (!ready) return reject(new Error(`${spec.name} exited (${code ?? signal}) before it was ready`))
        if (spec.finite && code === 0) return
        this.say(`${spec.name} exited (${code ?? signal}); stopping everything`)
        void this.stopAll(1)
      })
    })
  }

  /** Run a finite step to completion (e.g. `next build`), rejecting on a non-zero exit. */
  async run(spec: ChildSpec): Promise<void> {
    const proc = await this.start({ ...spec, finite: true })
    const code: number | null = await new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', (c) => r(c))))
    this.children = this.children.filter((c) => c.proc !== proc)
    if (code !== 0) throw new Error(`${spec.name} failed with exit code ${code}`)
  }

  private onSignal(signal: string, code: number): void {
    const now = Date.now()
    if (this.firstSignalAt === null) {
      this.firstSignalAt = now
      return void this.stopAll(code)
    }
    if (now - this.firstSignalAt < this.repeatWindowMs || this.killed) return
    // A second Ctrl-C (or `pkill` twice): no more waiting, but no child left behind either.
    this.killed = true
    const left = this.children.filter(({ proc }) => alive(proc))
    this.say(`${signal} again: killing ${left.map((c) => c.spec.name).join(', ') || 'nothing'} now (SIGKILL)`)
    for (const { proc } of left) signalGroup(proc, 'SIGKILL')
    if (!this.stopping) void this.stopAll(code)
  }

  /** Stop every child in reverse start order, then exit with `exitCode`. Idempotent. */
  stopAll(exitCode: number): Promise<never> {
    this.stopping ??= this.stopInOrder().then(() => {
      this.exit(exitCode)
      return new Promise<never>(() => {})
    })
    return this.stopping
  }

  private async stopInOrder(): Promise<void> {
    this.say(`stopping (reverse start order; SIGKILL after ${this.graceMs / 1000} s; Ctrl-C again to kill at once)…`)
    for (const { spec, proc } of [...this.children].reverse()) {
      if (!alive(proc)) continue
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
      signalGroup(proc, 'SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.graceMs)))])
      clearTimeout(timer)
      if (late && alive(proc)) {
        this.say(`${spec.name} did not exit ${this.graceMs / 1000} s after SIGTERM: SIGKILL`)
        signalGroup(proc, 'SIGKILL')
        await exited
      }
      this.say(`${spec.name} stopped (${proc.exitCode ?? proc.signalCode})`)
    }
  }
}
