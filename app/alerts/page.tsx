import type { Metadata } from 'next'
import { Suspense } from 'react'
import { AlertsPage } from '../_components/alerts/AlertsPage'
import { OverviewSkeleton } from '../_components/States'
import '../_components/alerting/alerting.css'

export const metadata: Metadata = { title: 'Alerts' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Alerts</h1>
          <p className="page-sub">Every rule and its state, what changed and when, silences, and the runbook for each alert.</p>
        </div>
      </div>
      <Suspense fallback={<OverviewSkeleton toolbar />}>
        <AlertsPage />
      </Suspense>
    </>
  )
}
