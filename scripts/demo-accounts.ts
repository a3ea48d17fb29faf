/**
 * Demo accounts for `npm start`: one account per FactorWatch role in the reference IdP, each with
 * a password and an active authenticator app (TOTP), created through the IdP's provisioning API
 * with signed service assertions. Idempotent across restarts: the accounts, passwords and TOTP
 * secrets are kept in `<dataDir>/demo-accounts.json` (mode 0600) and sent again unchanged.
 * `npm run demo:code -- <role>` prints an account's current code (scripts/demo-code.ts).
 */
import { randomBytes, type JsonWebKey } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROLES, type Role } from '../contract/access'
import { signServiceAssertion } from '../reference-idp/service-auth/assertion'
import { base32Encode } from '../reference-idp/factors/totp'

export interface DemoAccount { role: Role; username: string; password: string; totp_secret: string }

export const DEMO_ACCOUNTS_FILE = 'demo-accounts.json'
/** The demo's addresses: a reserved domain (RFC 2606), one per role. */
export const demoUsername = (role: Role) => `demo-${role}@factorwatch.example`

/** The accounts a previous run wrote, by role; none when the file is absent or unreadable as such. */
export function readDemoAccounts(dataDir: string): Map<Role, DemoAccount> {
  const file = join(dataDir, DEMO_ACCOUNTS_FILE)
  if (!existsSync(file)) return new Map()
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { accounts?: DemoAccount[] }
  return new Map((parsed.accounts ?? []).filter((a) => (ROLES as readonly string[]).includes(a.role)).map((a) => [a.role, a]))
}

/**
 * Create (or bring back) the demo accounts at the IdP and write them to `<dataDir>/demo-accounts.json`.
 * `signingKey`: the private JWK (object or JSON) of a provisioning key the IdP trusts (IDP_SERVICE_KEYS).
 */
export async function provisionDemoAccounts(o: { idpUrl: string; signingKey: (JsonWebKey & { kid: string }) | string; dataDir: string; fetch?: typeof fetch; now?: () => number }): Promise<DemoAccount[]> {
  const key = typeof o.signingKey === 'string' ? (JSON.parse(o.signingKey) as JsonWebKey & { kid: string }) : o.signingKey
  if (!key.kid || !key.d) throw new Error('provisionDemoAccounts: signingKey must be a private JWK with a kid (the private half of a key in IDP_SERVICE_KEYS)')
  const call = o.fetch ?? fetch
  const now = o.now ?? Date.now
  const known = readDemoAccounts(o.dataDir)
  const accounts: DemoAccount[] = []
  for (const role of ROLES) {
    const previous = known.get(role)
    const account: DemoAccount = previous ?? {
      role, username: demoUsername(role),
      // 24 random characters: far past the IdP's password policy, never a dictionary word.
      password: randomBytes(18).toString('base64url'),
      totp_secret: base32Encode(randomBytes(20)),
    }
    const res = await call(new URL('/api/v1/admin/provision', o.idpUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${signServiceAssertion(key, now(), 'demo-accounts')}` },
      body: JSON.stringify({ email: account.username, password: account.password, roles: [role], totp_secret: account.totp_secret }),
    })
    if (res.status !== 200) {
      const body = (await res.json().catch(() => ({}))) as { message?: string }
      throw new Error(`demo account ${role}: the IdP answered ${res.status}${body.message ? `: ${body.message}` : ''}`)
    }
    accounts.push(account)
  }
  mkdirSync(o.dataDir, { recursive: true })
  const file = join(o.dataDir, DEMO_ACCOUNTS_FILE)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify({ note: 'Demo accounts of the reference IdP (npm start). Codes: npm run demo:code -- <role>', accounts }, null, 2) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
  return accounts
}
