'use client'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import type { ApiErrorBody, Health, Overview } from './console-api'

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

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json' }, cache: 'no-store' })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError('the console server is not answering; check that it is running', 0, 'console_unreachable')
  }
  const body = (await res.json().catch(() => null)) as (T & Partial<ApiErrorBody>) | null
  if (!res.ok || body === null) {
    const e = body?.error
    throw new ApiError(e?.message ?? `console answered HTTP ${res.status}`, res.status, e?.code ?? 'http_error')
  }
  return body
}

export const OVERVIEW_POLL_MS = 10_000
export const HEALTH_POLL_MS = 15_000

/** Poll the Overview route handler; keeps the previous range's data while a new range loads. */
export function useOverview(query: string) {
  return useQuery({
    queryKey: ['overview', query],
    queryFn: ({ signal }) => getJson<Overview>(`/api/overview${query ? `?${query}` : ''}`, signal),
    refetchInterval: OVERVIEW_POLL_MS,
    placeholderData: keepPreviousData,
    // A bad parameter will not fix itself; a flaky collector might.
    retry: (count, err) => !(err instanceof ApiError && err.status === 400) && count < 1,
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
