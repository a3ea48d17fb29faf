import type { Metadata } from 'next'
import { Suspense } from 'react'
import { ExplorePage } from '../_components/security/ExplorePage'
import { ToolbarSkeleton } from '../_components/States'
import '../_components/subprocessors/subprocessors.css'
import '../_components/security/security.css'

export const metadata: Metadata = { title: 'Explore' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Explore</h1>
          <p className="page-sub">Failed second-factor challenges with their metadata, one flow&apos;s timeline and trace, and where latency and errors sit.</p>
        </div>
      </div>
      <Suspense fallback={<ToolbarSkeleton />}>
        <ExplorePage />
      </Suspense>
    </>
  )
}
