import type { Metadata } from 'next'
import { Suspense } from 'react'
import { GameDaysPage } from '../_components/gamedays/GameDaysPage'
import { OverviewSkeleton } from '../_components/States'
import '../_components/alerting/alerting.css'
import '../_components/gamedays/gamedays.css'

export const metadata: Metadata = { title: 'Game days' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Game days</h1>
          <p className="page-sub">Drills of provider and IdP outages: scenarios with their blast radius, the live view of a running drill, and each drill&apos;s report.</p>
        </div>
      </div>
      <Suspense fallback={<OverviewSkeleton />}>
        <GameDaysPage />
      </Suspense>
    </>
  )
}
