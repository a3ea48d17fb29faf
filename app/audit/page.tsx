import type { Metadata } from 'next'
import Link from 'next/link'
import { Suspense } from 'react'
import { AuditPage } from '../_components/audit/AuditPage'
import { ToolbarSkeleton } from '../_components/States'
import { currentViewer, pageAccess } from '../_lib/auth/server'
import '../_components/subprocessors/subprocessors.css'
import '../_components/security/security.css'
import '../_components/audit/audit.css'

export const metadata: Metadata = { title: 'Audit' }

export default async function Page() {
  const viewer = await currentViewer()
  // The middleware renders the refusal page first; this is the second wall if it is bypassed.
  const access = pageAccess(viewer, 'audit.read')
  if (!access.ok) {
    return (
      <section className="auth-card" role="alert" data-testid="page-refused">
        <h1>Not allowed: /audit</h1>
        <p>This page needs the <strong>{access.need}</strong> role or stronger; you are signed in as <strong>{viewer?.role ?? 'nobody'}</strong>.</p>
        <p><Link href="/">Back to the overview</Link></p>
      </section>
    )
  }
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Audit</h1>
          <p className="page-sub">Every console and control-API action: who (as an HMAC hash), with what role, what, when, from where, and the result. Newest first.</p>
        </div>
      </div>
      <Suspense fallback={<ToolbarSkeleton />}>
        <AuditPage me={viewer?.user} />
      </Suspense>
    </>
  )
}
