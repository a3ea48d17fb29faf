import type { EventAttributes, EventName } from '../../contract'
import { buildEvent } from '../../contract'
import type { Telemetry } from '../../reference-idp/telemetry/telemetry'

/** Telemetry that keeps every event (after the contract check the real one does). */
export function capture() {
  const events: Record<string, string | number>[] = []
  const t: Telemetry = {
    emit: (name: EventName, attrs: EventAttributes) => void events.push(buildEvent(name, attrs)),
    span: (_n, _a, fn) => fn(undefined),
    flush: async () => {},
    shutdown: async () => {},
  }
  return { t, events, named: (n: string) => events.filter((e) => e['event.name'] === n) }
}

/** A cookie-keeping client; `form` posts urlencoded like a browser. */
export function client(base: string, headers: Record<string, string> = {}) {
  let cookie = ''
  const call = async (method: string, path: string, body?: unknown, form = false) => {
    const res = await fetch(`${base}${path}`, {
      method, redirect: 'manual',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', ...(cookie ? { cookie } : {}), ...headers },
      body: body === undefined ? undefined : form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
    })
    const set = res.headers.get('set-cookie')
    if (set) cookie = set.split(';')[0]
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, body: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : {} }
  }
  return { post: (p: string, b: unknown = {}) => call('POST', p, b), get: (p: string) => call('GET', p), form: (p: string, b: Record<string, string>) => call('POST', p, b, true), cookie: () => cookie, setCookie: (c: string) => (cookie = c) }
}

