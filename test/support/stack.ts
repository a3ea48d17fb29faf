import { startSimulator } from '../../reference-idp/simulator'
import { simulatorIdpEnv } from '../../reference-idp/simulator/idp-settings'
import { TEST_SERVICE_KEYS } from './idp-client'
import { freePort, startProcess, tempDir, type Running } from './processes'

/** `simulatorUrl`: the provider simulator the IdP sends through; its mailboxes hold sign-up codes (test/support/signup.ts simulatorCode). */
export interface Stack { collector: Running; idp: Running; otlpUrl: string; queryUrl: string; idpUrl: string; simulatorUrl: string; stop: () => Promise<void> }

/** The real collector and reference IdP as separate processes on free ports, the provider simulator in this process. */
export async function startStack(): Promise<Stack> {
  const [otlp, query, idpPort] = await Promise.all([freePort(), freePort(), freePort()])
  const collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlp), COLLECTOR_QUERY_PORT: String(query), FACTORWATCH_DATA_DIR: tempDir('collector'),
  }, [/collector query listening/])
  const otlpUrl = `http://127.0.0.1:${otlp}`
  const sim = await startSimulator({ port: 0, seed: 11, timeScale: 0.02, baseline: 'clean' })
  const idp = await startProcess('idp', 'reference-idp/main.ts', [], {
    ...simulatorIdpEnv(sim.url),
    IDP_PORT: String(idpPort), IDP_DATA_DIR: 'memory://', OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, IDP_SERVICE_KEYS: TEST_SERVICE_KEYS, IDP_PASSWORD_COST: '14', IDP_DEMO_HEADERS: 'on', // the traffic generator's per-user addresses and countries
  }, [/reference-idp listening on/]).catch(async (err) => {
    await sim.close()
    await collector.stop()
    throw err
  })
  return {
    collector, idp, otlpUrl,
    queryUrl: `http://127.0.0.1:${query}`,
    idpUrl: `http://127.0.0.1:${idpPort}`,
    simulatorUrl: sim.url,
    stop: async () => {
      await idp.stop()
      await sim.close()
      await collector.stop()
    },
  }
}
