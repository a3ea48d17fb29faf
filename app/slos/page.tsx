import type { Metadata } from 'next'
import { SlosPage } from '../_components/slos/SlosPage'
import '../_components/alerting/alerting.css'

export const metadata: Metadata = { title: 'SLOs' }

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>SLOs and error budgets</h1>
          <p className="page-sub">Per SLO: the objective, the SLI now, the budget left and how fast it burns, and what spent it, by factor, provider, region and user group.</p>
        </div>
      </div>
      <SlosPage />
    </>
  )
}
