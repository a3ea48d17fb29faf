import { z } from 'zod'
import { sendgridSigningKey } from './vendors/webhook-keys'

const isSigningKey = (v: string) => {
  try {
    return Boolean(sendgridSigningKey(v))
  } catch {
    return false
  }
}

/** Simulator environment, read and validated once at start-up. */
export const SimulatorConfig = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8090),
  seed: z.coerce.number().int().optional(),
  timeScale: z.coerce.number().positive().max(100).default(1),
  baseline: z.enum(['realistic', 'clean']).default('realistic'),
  defaultWebhook: z.string().url().optional(),
  /** How receivers reach this simulator (SigningCertURL of SNS messages); default its listen URL. */
  publicUrl: z.string().url().optional(),
  /** Vonage signature secret for signed DLRs and voice events (default: the test secret). */
  vonageSignatureSecret: z.string().min(8).optional(),
  /** SendGrid event webhook signing key, base64 PKCS#8 DER of an EC P-256 key (default: the test key). */
  sendgridWebhookKey: z.string().refine(isSigningKey, 'expected base64 PKCS#8 DER of an EC P-256 key').optional(),
})
export type SimulatorConfig = z.infer<typeof SimulatorConfig>

const ENV_KEYS: Record<keyof SimulatorConfig, string> = {
  host: 'SIMULATOR_HOST',
  port: 'SIMULATOR_PORT',
  seed: 'SIMULATOR_SEED',
  timeScale: 'SIMULATOR_TIME_SCALE',
  baseline: 'SIMULATOR_BASELINE',
  defaultWebhook: 'SIMULATOR_WEBHOOK_URL',
  publicUrl: 'SIMULATOR_PUBLIC_URL',
  vonageSignatureSecret: 'SIMULATOR_VONAGE_SIGNATURE_SECRET',
  sendgridWebhookKey: 'SIMULATOR_SENDGRID_WEBHOOK_KEY',
}

/** Parse the environment; a bad value throws an error naming the variable. */
export function loadSimulatorConfig(env: Record<string, string | undefined> = process.env): SimulatorConfig {
  const raw: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(ENV_KEYS)) if (env[name] !== undefined && env[name] !== '') raw[key] = env[name]
  const parsed = SimulatorConfig.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = issue.path[0] as keyof SimulatorConfig
    throw new Error(`invalid configuration ${ENV_KEYS[key] ?? String(key)}: ${issue.message}`)
  }
  return parsed.data
}
