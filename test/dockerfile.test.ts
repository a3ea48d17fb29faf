import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, tempDir } from './support/processes'
import { missingPlatformEntries } from '../scripts/lock-platforms'

/**
 * No Docker engine runs here, so the image is checked by what can be checked without one:
 * the build stages' RUN commands are run, in order, in a clean clone of HEAD (what `COPY . .`
 * would see, minus .dockerignore), and must succeed — `npm ci` from the committed lock, then
 * the console build. The runtime stage must not run as root.
 */

interface Stage { name: string; from: string; steps: { op: string; arg: string }[] }

function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  const args = new Map<string, string>()
  const stages: Stage[] = []
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/)
    const arg = rest.join(' ').replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '')
    if (op.toUpperCase() === 'ARG' && stages.length === 0) {
      const [k, v = ''] = arg.split('=')
      args.set(k, v)
    } else if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(arg)
      stages.push({ from: m?.[1] ?? arg, name: m?.[2] ?? String(stages.length), steps: [] })
    } else stages.at(-1)?.steps.push({ op: op.toUpperCase(), arg })
  }
  return stages
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const stages = parseDockerfile(dockerfile)
const clone = tempDir('fw-docker-')
afterAll(() => rmSync(clone, { recursive: true, force: true }))

describe('Dockerfile', () => {
  it('is multi-stage on a Node LTS image and runs as a non-root user', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'runtime'])
    for (const s of stages.filter((st) => st.from.startsWith('node:'))) expect(s.from).toMatch(/^node:(22|24|26)-/)
    const runtime = stages.at(-1)!
    const user = runtime.steps.filter((s) => s.op === 'USER').at(-1)
    expect(user?.arg).toBe('node')
    expect(runtime.steps.some((s) => s.op === 'CMD')).toBe(true)
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^node_modules$/m)
  })

  it('the lock lists every optional platform package, so npm ci accepts it on any platform', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))
    expect(missingPlatformEntries(lock).map((m) => m.name)).toEqual([])
  })

  it('its build commands succeed in a clean clone of HEAD (npm ci from the lock, then the console build)', () => {
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { stdio: 'pipe' })
    const runs = stages.filter((s) => s.name !== 'runtime').flatMap((s) => s.steps.filter((st) => st.op === 'RUN').map((st) => st.arg))
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npm run console:build'])
    for (const cmd of runs) {
      const r = spawnSync('sh', ['-c', cmd], { cwd: clone, encoding: 'utf8', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', npm_config_prefer_offline: 'true' }, maxBuffer: 64 * 1024 * 1024 })
      expect(r.status, `${cmd} failed:\n${(r.stderr || r.stdout).slice(-3000)}`).toBe(0)
    }
    expect(existsSync(join(clone, '.next/BUILD_ID'))).toBe(true)
    expect(existsSync(join(clone, 'node_modules/chdb'))).toBe(true)
  }, 600_000)
})
