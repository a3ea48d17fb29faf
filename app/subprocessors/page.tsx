import type { Metadata } from 'next'
import { Suspense } from 'react'
import { SubprocessorsPage } from '../_components/subprocessors/SubprocessorsPage'
import { SubprocessorsSkeleton } from '../_components/subprocessors/Skeletons'
import '../_components/subprocessors/subprocessors.css'

export const metadata: Metadata = { title: 'Sub-processors' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Sub-processors</h1>
          <p className="page-sub">Health of the vendors that deliver second factors, and what the registry says about them: data shared, certifications, contracts, changes.</p>
        </div>
      </div>
      {/* Filters and range live in the URL, read on the client. */}
      <Suspense fallback={<SubprocessorsSkeleton toolbar />}>
        <SubprocessorsPage />
      </Suspense>
    </>
  )
}
