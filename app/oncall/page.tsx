import type { Metadata } from 'next'
import { Suspense } from 'react'
import { OncallPage } from '../_components/oncall/OncallPage'
import { OverviewSkeleton } from '../_components/States'
import '../_components/alerting/alerting.css'

export const metadata: Metadata = { title: 'On-call' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>On-call</h1>
          <p className="page-sub">What is firing now, with its runbook, and the panels to judge it by: auth errors, latency tail, vendors, recovery backlog.</p>
        </div>
      </div>
      <Suspense fallback={<OverviewSkeleton toolbar />}>
        <OncallPage />
      </Suspense>
    </>
  )
}
