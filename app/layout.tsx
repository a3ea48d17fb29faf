import type { Metadata } from 'next'
import type { ReactNode } from 'react'
import { CollectorStatus } from './_components/CollectorStatus'
import { Nav } from './_components/Nav'
import { Providers } from './_components/Providers'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'FactorWatch', template: '%s · FactorWatch' },
  description: 'MFA observability: second-factor success, latency and sub-processor health',
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Providers>
          <div className="shell">
            <Nav />
            <div className="shell-main">
              <header className="topbar">
                <span className="topbar-env">Environment: local</span>
                <CollectorStatus />
              </header>
              <main id="main" className="content" tabIndex={-1}>
                {children}
              </main>
            </div>
          </div>
        </Providers>
      </body>
    </html>
  )
}
