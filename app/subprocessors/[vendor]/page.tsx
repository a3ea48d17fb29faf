import type { Metadata } from 'next'
import { Suspense } from 'react'
import { VendorSkeleton } from '../../_components/subprocessors/Skeletons'
import { VendorDetail } from '../../_components/subprocessors/VendorDetail'
import '../../_components/subprocessors/subprocessors.css'
import { decodeSegment } from '../../_lib/url-state'

type Props = { params: Promise<{ vendor: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${decodeSegment((await params).vendor)} · Sub-processors` }
}

export default async function Page({ params }: Props) {
  const vendor = decodeSegment((await params).vendor)
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{vendor}</h1>
          <p className="page-sub">Sub-processor: requests, errors, latency and receipts over time, circuit breaker history, registry facts.</p>
        </div>
      </div>
      <Suspense fallback={<VendorSkeleton />}>
        <VendorDetail vendor={vendor} />
      </Suspense>
    </>
  )
}
