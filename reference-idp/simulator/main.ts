import { pathToFileURL } from 'node:url'
import { loadSimulatorConfig } from './config'
import { startSimulator } from './server'
import { DEFAULT_CREDENTIALS } from './vendors/types'
import { systemClock } from '../../contract/clock'

export { startSimulator } from './server'
export type { Simulator, SimulatorOptions } from './server'

/** Provider simulator process: every vendor's API over real HTTP, with faults. */

const log = (line: string) => process.stdout.write(`${line}\n`)

async function main(): Promise<void> {
  let config
  try {
    config = loadSimulatorConfig()
  } catch (err) {
    process.stderr.write(`provider-simulator: ${(err as Error).message}\n`)
    process.exit(2)
  }
  const { vonageSignatureSecret, sendgridWebhookKey, ...options } = config
  const C = DEFAULT_CREDENTIALS
  const credentials = {
    vonage: { ...C.vonage, signatureSecret: vonageSignatureSecret ?? C.vonage.signatureSecret },
    sendgrid: { ...C.sendgrid, webhookSigningKey: sendgridWebhookKey ?? C.sendgrid.webhookSigningKey },
  }
  const sim = await startSimulator({ ...options, credentials, log, clock: systemClock })
  log(`provider-simulator listening on ${sim.url}`)
  // What receivers verify receipts with (public material only; the Vonage secret is never printed).
  log(`provider-simulator: sendgrid event webhook public key ${sim.webhookKeys.sendgridPublicKey}`)
  log(`provider-simulator: sns signing certificate ${sim.webhookKeys.snsSigningCertUrl}`)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log(`provider-simulator: ${signal}, stopping`)
    await sim.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

// Run only as a process entry point, so tests can import startSimulator from here.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().catch((err: unknown) => {
    process.stderr.write(`provider-simulator failed to start: ${(err as Error).message}\n`)
    process.exit(1)
  })
