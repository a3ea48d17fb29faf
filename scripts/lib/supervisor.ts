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

const COLORS = [36, 35, 33, 32, 34, 31]

/** `[name] line`, padded so the columns of all processes line up; coloured on a terminal. */
export function prefixLine(name: string, width: number, line: string, color: number | null): string {
  const tag = `[${name}]`.padEnd(width + 2)
  return color === null ? `${tag} ${line}` : `\x1b[${color}m${tag}\x1b[0m ${line}`
}

/**
 * Starts child processes, prefixes their output, and stops all of them (reverse order,
 * SIGTERM then SIGKILL after a grace period) on Ctrl-C or when a long-running child dies.
 */
export class Supervisor {
  private children: { spec: ChildSpec; proc: ChildProcess }[] = []
  private stopping = false
  private width = 10
  private readonly tty = Boolean(process.stdout.isTTY)

  constructor(private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {
    process.on('SIGINT', () => void this.stopAll(130))
    process.on('SIGTERM', () => void this.stopAll(143))
  }

  say(line: string): void {
    this.out(prefixLine('start', this.width, line, this.tty ? 1 : null))
  }

  start(spec: ChildSpec): Promise<ChildProcess> {
    this.width = Math.max(this.width, spec.name.length)
    const color = this.tty ? COLORS[this.children.length % COLORS.length] : null
    const proc = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] })
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

  async stopAll(exitCode: number): Promise<never> {
    if (!this.stopping) {
      this.stopping = true
      this.say('stopping…')
      for (const { spec, proc } of [...this.children].reverse()) {
        if (proc.exitCode !== null || proc.signalCode !== null) continue
        await new Promise<void>((resolve) => {
          const kill = setTimeout(() => proc.kill('SIGKILL'), 8000)
          proc.once('exit', () => {
            clearTimeout(kill)
            resolve()
          })
          proc.kill('SIGTERM')
        })
        this.say(`${spec.name} stopped`)
      }
    }
    process.exit(exitCode)
  }
}
