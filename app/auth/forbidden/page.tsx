import type { Metadata } from 'next'
import Link from 'next/link'
import { ROLES, type Role } from '../../../contract/access'
import { currentViewer } from '../../_lib/auth/server'

export const metadata: Metadata = { title: 'Not allowed' }

type Search = Record<string, string | string[] | undefined>

/** Rendered (by the middleware's rewrite) in place of a page the signed-in role may not see. */
export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams
  const need: Role = (ROLES as readonly string[]).includes(String(sp.need)) ? (sp.need as Role) : 'admin'
  const page = typeof sp.page === 'string' && sp.page.startsWith('/') ? sp.page.slice(0, 100) : 'this page'
  const viewer = await currentViewer()
  return (
    <section className="auth-card" role="alert" data-testid="page-refused">
      <h1>Not allowed: {page}</h1>
      <p>
        This page needs the <strong>{need}</strong> role or stronger; you are signed in as <strong>{viewer?.role ?? 'nobody'}</strong>.
      </p>
      <p>Ask your FactorWatch administrators for the {need} role if your work needs it.</p>
      <p>
        <Link href="/">Back to the overview</Link>
      </p>
    </section>
  )
}
