import type { Metadata } from 'next'
import { Suspense } from 'react'
import { SecurityPage } from '../_components/security/SecurityPage'
import { ToolbarSkeleton } from '../_components/States'
import '../_components/subprocessors/subprocessors.css'
import '../_components/security/security.css'

export const metadata: Metadata = { title: 'Security' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Security</h1>
          <p className="page-sub">Enrollment, bypasses, recovery and attacks, from the IdP&apos;s MFA events. Users appear only as HMAC hashes.</p>
        </div>
      </div>
      <Suspense fallback={<ToolbarSkeleton />}>
        <SecurityPage />
      </Suspense>
    </>
  )
}
