import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { registerMfaSlis } from './sli-metrics'

/** A ClickHouse stand-in answering each SLI query by what it reads; `fail` makes every query throw. */
function fakeClient(state: { fail: boolean; good: number; queries: number }) {
  return {
    query: async ({ query }: { query: string }) => {
      state.queries++
      if (state.fail) throw new Error('connection refused')
      const rows = query.includes("argMinIf(factor, ts, (event = 'mfa.challenge.verified'))")
        ? [{ factor: 'sms', provider: 'twilio', region: 'eu-west', user_group: 'customer', total: 4, good: state.good }]
        : []
      return { json: async () => rows }
    },
  } as never
}

describe('MFA SLIs on /metrics', () => {
  it('serves one read per cache period, keeps the last values when a read fails and counts the failure', async () => {
    const state = { fail: false, good: 3, queries: 0 }
    let now = 1_000_000
    const registry = new Registry()
    registerMfaSlis({ client: fakeClient(state), registry, now: () => now, windowMs: 300_000, cacheMs: 15_000 })
    const m1 = async () => (await registry.getSingleMetric('factorwatch_mfa_challenge_success_ratio')!.get()).values.map((v) => [v.labels.provider, v.value])

    expect(await m1()).toEqual([['twilio', 0.75]])
    const perRead = state.queries
    await registry.metrics()
    expect(state.queries).toBe(perRead) // within the cache period: no new read

    now += 15_000
    state.good = 1
    expect(await m1()).toEqual([['twilio', 0.25]])

    now += 15_000
    state.fail = true
    const text = await registry.metrics()
    expect(text).toMatch(/^factorwatch_mfa_challenge_success_ratio\{factor="sms",provider="twilio",region="eu-west",user_group="customer"\} 0\.25$/m)
    expect(text).toMatch(/^factorwatch_mfa_sli_refresh_failures_total 1$/m)
  })
})
