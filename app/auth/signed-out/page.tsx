import type { Metadata } from 'next'

export const metadata: Metadata = { title: 'Signed out' }

export default function Page() {
  return (
    <section className="auth-card" data-testid="signed-out">
      <h1>You are signed out</h1>
      <p>Your FactorWatch session has ended, and the identity provider was asked to end its session too.</p>
      <p>
        <a href="/auth/login">Sign in again</a>
      </p>
    </section>
  )
}
