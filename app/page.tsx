import type { Metadata } from 'next'
import { Suspense } from 'react'
import { Overview } from './_components/Overview'
import { OverviewSkeleton } from './_components/States'

export const metadata: Metadata = { title: 'Overview' }

export default function OverviewPage() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Overview</h1>
          <p className="page-sub">Second-factor success, challenge latency and login outcomes across all MFA producers.</p>
        </div>
      </div>
      {/* The Overview reads its range from the URL, so it renders on the client. */}
      <Suspense fallback={<OverviewSkeleton toolbar />}>
        <Overview />
      </Suspense>
    </>
  )
}
