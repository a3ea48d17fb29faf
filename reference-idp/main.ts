import { loadIdpConfig } from './config'
import { startIdp } from './server'

/** `npm run idp`: the reference IdP on IDP_HOST:IDP_PORT (default 127.0.0.1:8080). */
async function main() {
  let config
  try {
    config = loadIdpConfig()
  } catch (e) {
    console.error(`reference-idp: ${(e as Error).message}`)
    process.exit(2)
  }
  const idp = await startIdp(config)
  console.log(`reference-idp listening on ${idp.url} (store ${idp.db.kind}, telemetry ${config.telemetry === 'on' ? `→ ${config.otlpEndpoint}` : 'off'})`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await idp.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((e) => {
  console.error(`reference-idp: failed to start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
