import type { z } from 'zod'

/**
 * Read a process's environment into its zod config schema, once, at start-up. Empty values
 * count as unset; a bad value throws an error naming the environment variable.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  envKeys: Record<keyof z.infer<S>, string>,
  env: Record<string, string | undefined>,
  overrides: Partial<z.infer<S>> = {},
): z.infer<S> {
  const raw: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(envKeys) as [string, string][]) if (env[name] !== undefined && env[name] !== '') raw[key] = env[name]
  const parsed = schema.safeParse({ ...raw, ...overrides })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = String(issue.path[0])
    throw new Error(`invalid configuration ${(envKeys as Record<string, string>)[key] ?? key}: ${issue.message}`)
  }
  return parsed.data
}
