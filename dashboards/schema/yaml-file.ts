import { readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'

/** Repository root: dashboards/ sits at the top level. */
export const ROOT = resolve(new URL('../..', import.meta.url).pathname)
export const dashboardsPath = (name: string): string => resolve(ROOT, 'dashboards', name)

/** `slos[2].sli.bad.reason[0]` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '') || '(root)'
}

/** A rules file that cannot be used; the message names the file, the path in it and the reason. */
export class RulesFileError extends Error {}

/** Parse YAML text with a zod schema; errors name the source and each failing field path. */
export function parseYamlText<S extends z.ZodType>(schema: S, yamlText: string, source: string): z.infer<S> {
  let raw: unknown
  try {
    raw = parseYaml(yamlText)
  } catch (err) {
    throw new RulesFileError(`${source}: invalid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  const parsed = schema.safeParse(raw)
  if (parsed.success) return parsed.data
  const lines = parsed.error.issues.slice(0, 5).map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`)
  const more = parsed.error.issues.length - lines.length
  throw new RulesFileError(lines.join('\n') + (more > 0 ? `\n${source}: … and ${more} more` : ''))
}

export function displayPath(path: string): string {
  const rel = relative(ROOT, resolve(path))
  return rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel
}

export function loadYamlFile<S extends z.ZodType>(schema: S, path: string): z.infer<S> {
  const source = displayPath(path)
  let text: string
  try {
    text = readFileSync(resolve(path), 'utf8')
  } catch (err) {
    throw new RulesFileError(`${source}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return parseYamlText(schema, text, source)
}

const UNIT_S = { s: 1, m: 60, h: 3600, d: 86400 } as const

/** "5m", "28d", "90s" → seconds; null when malformed. */
export function durationSeconds(text: string): number | null {
  const m = /^(\d+)([smhd])$/.exec(text)
  return m ? Number(m[1]) * UNIT_S[m[2] as keyof typeof UNIT_S] : null
}
