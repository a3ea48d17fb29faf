'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'
import type { Permission } from '../../contract/access'
import { pagePermission } from '../_lib/auth/pages'

/** Pages of the console; only those with `href` exist yet, the rest are listed as coming soon. */
const PAGES: { label: string; href?: string }[] = [
  { label: 'Overview', href: '/' },
  { label: 'Executive', href: '/executive' },
  { label: 'On-call', href: '/oncall' },
  { label: 'SLOs', href: '/slos' },
  { label: 'Sub-processors', href: '/subprocessors' },
  { label: 'Security', href: '/security' },
  { label: 'Alerts', href: '/alerts' },
  { label: 'Game days', href: '/gamedays' },
  { label: 'Explore', href: '/explore' },
  { label: 'Audit', href: '/audit' },
]

/** The page a path belongs to: `/subprocessors/twilio` is under Sub-processors. */
const isCurrent = (href: string, path: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`))

/** `permissions`: the signed-in role's; pages it may not see are not listed (their routes refuse them too). */
export function Nav({ permissions }: { permissions: Permission[] }) {
  const path = usePathname() ?? '/'
  const allowed = new Set(permissions)
  return (
    <nav className="sidenav" aria-label="Console pages">
      <Link href="/" className="brand" aria-label="FactorWatch home">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Z" fill="currentColor" opacity=".25" />
          <path d="M7 12.5h2.5l1.5-3 2 6 1.5-3H17" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span>FactorWatch</span>
      </Link>
      <ul className="nav-list">
        {PAGES.filter((p) => !p.href || allowed.has(pagePermission(p.href))).map((p) =>
          p.href ? (
            <li key={p.label}>
              <Link href={p.href} className="nav-item" aria-current={isCurrent(p.href, path) ? 'page' : undefined}>
                {p.label}
              </Link>
            </li>
          ) : (
            <li key={p.label}>
              <span className="nav-item nav-item-soon" aria-disabled="true">
                {p.label}
                <span className="soon">soon</span>
              </span>
            </li>
          ),
        )}
      </ul>
      <p className="nav-foot">MFA observability · v0.1</p>
    </nav>
  )
}
