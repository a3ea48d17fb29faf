import type { Metadata } from 'next'
import { Suspense } from 'react'
import { ExecutivePage } from '../_components/security/ExecutivePage'
import { StatsSkeleton } from '../_components/States'
import '../_components/subprocessors/subprocessors.css'
import '../_components/security/security.css'

export const metadata: Metadata = { title: 'Executive' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Executive summary</h1>
          <p className="page-sub">How well multi-factor sign-in protects the company, and what it costs, compared with the period before.</p>
        </div>
      </div>
      <Suspense fallback={<StatsSkeleton count={6} />}>
        <ExecutivePage />
      </Suspense>
    </>
  )
}
