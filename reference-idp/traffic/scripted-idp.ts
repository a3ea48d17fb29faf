import type { ApiResult, Caller, IdpApi } from './client'

/**
 * A scripted stand-in for the IdP client in unit tests: each call goes to `answer`, which
 * returns the IdP's reply; every call is recorded as `METHOD path` with its body and caller.
 */

export interface ScriptedCall {
  call: string
  body: Record<string, unknown> | undefined
  who: Caller
}

export const reply = (status: number, body: Record<string, unknown> = {}, retryAfterMs: number | null = null): ApiResult => ({
  status, body, code: typeof body.code === 'string' ? body.code : undefined, retryAfterMs, ms: 1,
})

export function scriptedIdp(answer: (call: string, body: Record<string, unknown> | undefined) => ApiResult) {
  const calls: ScriptedCall[] = []
  const api: IdpApi = {
    base: 'http://idp.test',
    post: async (path, body, who) => {
      calls.push({ call: `POST ${path}`, body, who })
      return answer(`POST ${path}`, body)
    },
    get: async (path, who) => {
      calls.push({ call: `GET ${path}`, body: undefined, who })
      return answer(`GET ${path}`, undefined)
    },
  }
  return { api, calls, paths: () => calls.map((c) => c.call.replace('/api/v1/', '').replace(/\?.*$/, '')) }
}

/** Answers taken in order per call (the last one repeats). */
export function inOrder(script: Record<string, ApiResult[]>) {
  const seen = new Map<string, number>()
  return (call: string): ApiResult => {
    const key = call.replace(/\?.*$/, '')
    const list = script[key]
    if (!list) return reply(404, { code: 'not_found' })
    const i = seen.get(key) ?? 0
    seen.set(key, i + 1)
    return list[Math.min(i, list.length - 1)]
  }
}
