'use client'
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { AlertsView, OncallView, RunbookView, SlosView } from './alerting-api'
import type { AnnotationsView, GameDaysView, GameDayView } from './gamedays-api'
import type { ApiErrorBody, Health, Overview } from './console-api'
import type { ExecutiveView, ExploreView, FlowTimeline, SecurityView } from './security-api'
import type { SubprocessorsView, VendorView } from './subprocessors-api'

/** An error answered by the console's own route handlers (or the network under them). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message)
  }
}

/** What to do about an error, by its code. */
export function hintFor(err: Error): string | undefined {
  const code = err instanceof ApiError ? err.code : ''
  if (code === 'collector_unreachable') return 'Is the collector running? Start it with npm run collector, or point the console at it with COLLECTOR_QUERY_URL.'
  if (code === 'collector_timeout') return 'The collector is slow to answer; a shorter time range reads less data.'
  if (code === 'collector_bad_response') return 'The collector answered in a shape this console does not know: are both from the same release?'
  if (code === 'invalid_parameter') return 'Pick a range with the time-range picker, or fix the filters in the address bar.'
  if (code === 'registry_invalid') return 'Fix dashboards/subprocessors.yaml (the message names the field); the page reloads it on the next poll.'
  if (code === 'not_found') return 'Check the vendor id: the Sub-processors page links to every vendor in the registry or in telemetry.'
  if (code === 'console_unreachable') return 'The console server itself is not answering.'
  if (code === 'forbidden') return 'Your role does not allow this; the message names the role that does.'
  if (code === 'reauth_required') return 'Taking you to sign in again to confirm it is you…'
  if (code === 'unauthenticated') return 'Your session has ended; taking you to sign in…'
  return undefined
}

async function getJson<T>(path: string, signal?: AbortSignal, init: RequestInit = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, { signal, cache: 'no-store', ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError('the console server is not answering; check that it is running', 0, 'console_unreachable')
  }
  const body = (await res.json().catch(() => null)) as (T & Partial<ApiErrorBody>) | null
  if (res.status === 401) toSignIn(body?.error?.code)
  if (!res.ok || body === null) {
    const e = body?.error
    throw new ApiError(e?.message ?? `console answered HTTP ${res.status}`, res.status, e?.code ?? 'http_error')
  }
  return body
}

/**
 * A 401 sends the browser through sign-in and back to this page: `reauth_required` (a dangerous
 * action needs a fresh second factor) with reauth=1, `unauthenticated` (the session ended) without.
 */
function toSignIn(code: string | undefined): void {
  if (typeof window === 'undefined' || (code !== 'reauth_required' && code !== 'unauthenticated')) return
  const here = `${window.location.pathname}${window.location.search}`
  window.location.assign(`/auth/login?${code === 'reauth_required' ? 'reauth=1&' : ''}return_to=${encodeURIComponent(here)}`)
}

/** How often pages poll their route handler. */
export const POLL_MS = 10_000
export const HEALTH_POLL_MS = 15_000

/** Poll one of the console's route handlers; keeps the previous data while a new query loads. */
function usePolled<T>(path: string, query: string) {
  return useQuery({
    queryKey: [path, query],
    queryFn: ({ signal }) => getJson<T>(`${path}${query ? `?${query}` : ''}`, signal),
    refetchInterval: POLL_MS,
    placeholderData: keepPreviousData,
    // A bad parameter or an unknown vendor will not fix itself; a flaky collector might.
    retry: (count, err) => !(err instanceof ApiError && (err.status === 400 || err.status === 404)) && count < 1,
  })
}

export const useOverview = (query: string) => usePolled<Overview>('/api/overview', query)
export const useSubprocessors = (query: string) => usePolled<SubprocessorsView>('/api/subprocessors', query)
export const useVendor = (vendor: string, query: string) => usePolled<VendorView>(`/api/subprocessors/${encodeURIComponent(vendor)}`, query)

export const useOncall = (query: string) => usePolled<OncallView>('/api/oncall', query)
export const useSlos = () => usePolled<SlosView>('/api/slos', '')
export const useAlerts = (query: string) => usePolled<AlertsView>('/api/alerts', query)

/** A runbook does not change while it is read: fetched once per name. */
export function useRunbook(name: string | null) {
  return useQuery({
    queryKey: ['/api/runbooks', name],
    queryFn: ({ signal }) => getJson<RunbookView>(`/api/runbooks/${encodeURIComponent(name!)}`, signal),
    enabled: name !== null,
    staleTime: 300_000,
    retry: false,
  })
}

export const useSecurity = (query: string) => usePolled<SecurityView>('/api/security', query)
export const useExecutive = (query: string) => usePolled<ExecutiveView>('/api/executive', query)
export const useExplore = (query: string) => usePolled<ExploreView>('/api/explore', query)
export function useFlow(flow: string | null) {
  return useQuery({
    queryKey: ['flow', flow],
    queryFn: ({ signal }) => getJson<FlowTimeline>(`/api/explore/flow?flow=${encodeURIComponent(flow!)}`, signal),
    enabled: flow !== null && flow !== '',
    retry: false,
  })
}

/** Create or expire a silence; the Alerts and On-call views refetch after either. */
export function useSilenceMutations() {
  const client = useQueryClient()
  const refresh = () => Promise.all(['/api/alerts', '/api/oncall'].map((k) => client.invalidateQueries({ queryKey: [k] })))
  const create = useMutation({
    mutationFn: (form: { matchers: string; durationMinutes: number; comment: string; createdBy: string }) =>
      getJson<{ id: string }>('/api/silences', undefined, { method: 'POST', body: JSON.stringify(form), headers: { 'content-type': 'application/json' } }),
    onSuccess: refresh,
  })
  const expire = useMutation({
    mutationFn: (id: string) => getJson<{ id: string }>(`/api/silences/${encodeURIComponent(id)}`, undefined, { method: 'DELETE' }),
    onSuccess: refresh,
  })
  return { create, expire }
}

export const useGameDays = () => usePolled<GameDaysView>('/api/gamedays', '')

/** A running drill is watched closely: its view refreshes every 2 s, a finished one every 10 s. */
export const LIVE_POLL_MS = 2_000
export function useGameDay(id: string | null) {
  return useQuery({
    queryKey: ['/api/gamedays', id],
    queryFn: ({ signal }) => getJson<GameDayView>(`/api/gamedays/${encodeURIComponent(id!)}`, signal),
    enabled: id !== null && id !== '',
    refetchInterval: (q) => (q.state.data && ['running', 'scheduled'].includes(q.state.data.gameday.state) ? LIVE_POLL_MS : POLL_MS),
    placeholderData: (prev, prevQuery) => (prevQuery?.queryKey[1] === id ? prev : undefined),
    retry: (count, err) => !(err instanceof ApiError && (err.status === 400 || err.status === 404)) && count < 1,
  })
}

/** Start or abort a drill; the list and the drill refetch after either. */
export function useGameDayMutations() {
  const client = useQueryClient()
  const refresh = () => client.invalidateQueries({ queryKey: ['/api/gamedays'] })
  const start = useMutation({
    mutationFn: (form: { scenario: string; dryRun: boolean }) =>
      getJson<{ id: string }>('/api/gamedays', undefined, { method: 'POST', body: JSON.stringify(form), headers: { 'content-type': 'application/json' } }),
    onSuccess: refresh,
  })
  const abort = useMutation({
    mutationFn: (id: string) => getJson<{ id: string }>(`/api/gamedays/${encodeURIComponent(id)}/abort`, undefined, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
    onSuccess: refresh,
  })
  return { start, abort }
}

const MINUTE = 60_000

/**
 * Drill periods for a chart's range. The range is widened to whole minutes so the charts of one
 * page (and a relative range moving with each poll) share one request; failures draw no band.
 */
export function useAnnotations(from: number, to: number) {
  const lo = Math.floor(from / MINUTE) * MINUTE
  const hi = Math.ceil(to / MINUTE) * MINUTE + MINUTE
  const ok = Number.isFinite(lo) && Number.isFinite(hi) && lo < hi
  return useQuery({
    queryKey: ['/api/annotations', lo, hi],
    queryFn: ({ signal }) => getJson<AnnotationsView>(`/api/annotations?from=${new Date(lo).toISOString()}&to=${new Date(hi).toISOString()}`, signal),
    enabled: ok,
    refetchInterval: POLL_MS,
    staleTime: POLL_MS,
    placeholderData: keepPreviousData,
    retry: false,
  })
}

export function useHealth() {
  return useQuery({
    queryKey: ['health'],
    // /api/health answers 503 with a Health body when the collector is down: that is data, not an error.
    queryFn: async ({ signal }) => {
      const res = await fetch('/api/health', { signal, cache: 'no-store' })
      const body = (await res.json().catch(() => null)) as Health | null
      if (!body || !('status' in body)) throw new ApiError(`console answered HTTP ${res.status}`, res.status, 'http_error')
      return body
    },
    refetchInterval: HEALTH_POLL_MS,
    retry: false,
  })
}
