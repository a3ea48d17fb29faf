import type { Metadata } from 'next'
import type { ReactNode } from 'react'
import { CollectorStatus } from './_components/CollectorStatus'
import { Nav } from './_components/Nav'
import { PermissionsProvider } from './_components/Permissions'
import { Providers } from './_components/Providers'
import { UserMenu } from './_components/UserMenu'
import { currentViewer } from './_lib/auth/server'
import { ROLE_PERMISSIONS } from '../contract/access'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'FactorWatch', template: '%s · FactorWatch' },
  description: 'MFA observability: second-factor success, latency and sub-processor health',
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The middleware lets only the /auth pages through without a session: they render bare.
  const viewer = await currentViewer()
  if (!viewer) {
    return (
      <html lang="en">
        <body>
          <main id="main" className="content auth-page" tabIndex={-1}>
            {children}
          </main>
        </body>
      </html>
    )
  }
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Providers>
          <PermissionsProvider permissions={[...ROLE_PERMISSIONS[viewer.role]]}>
          <div className="shell">
            <Nav permissions={[...ROLE_PERMISSIONS[viewer.role]]} />
            <div className="shell-main">
              {viewer.mode === 'local' && (
                <div className="local-banner" role="note" data-testid="local-mode-banner">
                  <strong>Local mode: no sign-in.</strong> Everyone who can reach this console acts as admin; it only runs on a loopback address. Set OIDC_ISSUER to require sign-in.
                </div>
              )}
              <header className="topbar">
                <span className="topbar-env">Environment: local</span>
                <div className="topbar-right">
                  <CollectorStatus />
                  <UserMenu label={viewer.label} role={viewer.role} local={viewer.mode === 'local'} />
                </div>
              </header>
              <main id="main" className="content" tabIndex={-1}>
                {children}
              </main>
            </div>
          </div>
          </PermissionsProvider>
        </Providers>
      </body>
    </html>
  )
}
