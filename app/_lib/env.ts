import { z } from 'zod'

/** Console server environment, read and validated once per process (at first request, not at build). */
const ConsoleEnv = z.object({
  COLLECTOR_QUERY_URL: z
    .string()
    .url('expected an http(s) URL such as http://127.0.0.1:4320')
    .refine((u) => /^https?:\/\//.test(u), 'expected an http(s) URL')
    .default('http://127.0.0.1:4320')
    .transform((u) => u.replace(/\/+$/, '')),
  /** The sub-processor registry, relative to the working directory of `next start`. */
  SUBPROCESSOR_REGISTRY: z.string().min(1).default('dashboards/subprocessors.yaml'),
  /** The reference IdP, for links to its admin page from the Security page; unset: no links. */
  IDP_URL: z.string().url('expected an http(s) URL such as http://127.0.0.1:8080').optional().transform((u) => u?.replace(/\/+$/, '')),
})
export type ConsoleEnv = z.infer<typeof ConsoleEnv>

let cached: ConsoleEnv | undefined

export function consoleEnv(env: NodeJS.ProcessEnv = process.env): ConsoleEnv {
  if (cached && env === process.env) return cached
  const raw = { COLLECTOR_QUERY_URL: env.COLLECTOR_QUERY_URL || undefined, SUBPROCESSOR_REGISTRY: env.SUBPROCESSOR_REGISTRY || undefined, IDP_URL: env.IDP_URL || undefined }
  const parsed = ConsoleEnv.safeParse(raw)
  if (!parsed.success) {
    const key = String(parsed.error.issues[0].path[0]) as keyof typeof raw
    throw new Error(`invalid configuration ${key}: ${parsed.error.issues[0].message}, got "${env[key]}"`)
  }
  if (env === process.env) cached = parsed.data
  return parsed.data
}
