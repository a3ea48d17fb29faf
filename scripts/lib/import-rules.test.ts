import { describe, expect, it } from 'vitest'
import { importViolations } from './import-rules'

describe('directions of imports', () => {
  it.each([
    ['the vendor library imports the IdP', 'reference-idp/subprocessors/breaker.ts', 'reference-idp/errors.ts', 1],
    ['the vendor library imports the simulator', 'reference-idp/subprocessors/adapters/create.ts', 'reference-idp/simulator/vendors/common.ts', 1],
    ['the vendor library imports the IdP wiring of itself', 'reference-idp/subprocessors/failover.ts', 'reference-idp/vendors/wiring.ts', 1],
    ['the vendor library imports contract/', 'reference-idp/subprocessors/types.ts', 'contract/index.ts', 0],
    ['the vendor library imports the registry schema beside its YAML', 'reference-idp/subprocessors/push-types.ts', 'dashboards/schema/registry.ts', 0],
    ['the vendor library imports itself', 'reference-idp/subprocessors/adapters/sms.ts', 'reference-idp/subprocessors/types.ts', 0],
    ['the simulator imports the IdP', 'reference-idp/simulator/server.ts', 'reference-idp/login/policy.ts', 1],
    ['the simulator imports the vendor library', 'reference-idp/simulator/vendors/common.ts', 'reference-idp/subprocessors/types.ts', 1],
    ['the simulator imports contract/', 'reference-idp/simulator/decide.ts', 'contract/index.ts', 0],
    ['the console imports the IdP', 'app/_lib/registry-source.ts', 'reference-idp/subprocessors/registry.ts', 1],
    ['the console imports collector storage', 'app/page.tsx', 'collector/storage/client.ts', 1],
    ['the console imports the query-API contract', 'app/_lib/api.ts', 'contract/query.ts', 0],
    ['the console imports the registry schema', 'app/_lib/registry-source.ts', 'dashboards/schema/registry.ts', 0],
    ['the IdP imports the vendor library', 'reference-idp/vendors/wiring.ts', 'reference-idp/subprocessors/failover.ts', 0],
    ["a library's own test drives it with the simulator", 'reference-idp/subprocessors/adapters/push.test.ts', 'reference-idp/simulator/vendors/common.ts', 0],
  ])('%s: %s -> %s gives %i breach(es)', (_what, from, to, n) => {
    const found = importViolations({ [from]: [to] })
    expect(found).toHaveLength(n)
    if (n) expect(found[0]).toMatch(new RegExp(`^${from} -> ${to}: `))
  })

  it('names every breach of a graph, sorted, and nothing for allowed edges', () => {
    const graph = {
      'app/b.tsx': ['reference-idp/server.ts', 'contract/index.ts'],
      'app/a.tsx': ['collector/storage/chdb.ts'],
      'collector/query/run.ts': ['reference-idp/errors.ts'], // no rule about the collector here
    }
    expect(importViolations(graph).map((l) => l.split(':')[0])).toEqual(['app/a.tsx -> collector/storage/chdb.ts', 'app/b.tsx -> reference-idp/server.ts'])
  })
})
