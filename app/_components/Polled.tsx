'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { hintFor } from '../_lib/api-client'
import { StaleBanner } from './RefreshStatus'
import { ErrorState, OverviewSkeleton } from './States'

/**
 * A polled page's body: skeleton on the first load, the error with a retry when there is no
 * data yet, else the data (dimmed while a new range loads) under a banner if the last poll failed.
 */
export function Polled<T extends { generatedAt: string }>({ q, errorTitle, children }: { q: UseQueryResult<T, Error>; errorTitle: string; children: (data: T) => ReactNode }) {
  if (q.isPending) return <OverviewSkeleton />
  if (q.isError && !q.data) return <ErrorState title={errorTitle} message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  if (!q.data) return null
  return (
    <>
      <StaleBanner q={q} />
      <div className={q.isPlaceholderData ? 'overview-body stale' : 'overview-body'} aria-busy={q.isPlaceholderData}>
        {children(q.data)}
      </div>
    </>
  )
}
