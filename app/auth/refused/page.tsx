import type { Metadata } from 'next'
import { refusalText } from '../../_lib/auth/decide'

export const metadata: Metadata = { title: 'Sign-in refused' }

type Search = Record<string, string | string[] | undefined>

/** Where a refused sign-in lands: why, and what to ask for. No session was created. */
export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  const { reason } = await searchParams
  const t = refusalText(reason === 'no_role' ? 'no_role' : 'no_second_factor')
  return (
    <section className="auth-card" role="alert" data-testid="sign-in-refused" data-reason={reason === 'no_role' ? 'no_role' : 'no_second_factor'}>
      <h1>{t.title}</h1>
      <p>{t.why}</p>
      <p>
        <strong>What to do:</strong> {t.ask}
      </p>
      <p>
        <a href="/auth/login">Sign in again</a>
      </p>
    </section>
  )
}
