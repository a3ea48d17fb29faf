/**
 * `npm run demo:code -- <role>`: the current TOTP code of that demo account (from
 * `.data/demo-accounts.json`, written by npm start; DEMO_DATA_DIR overrides `.data`). Exit 2 with
 * one line for an unknown role or a missing file.
 */
import { ROLES, type Role } from '../contract/access'
import { base32Decode, hotp, stepAt } from '../reference-idp/traffic/totp'
import { readDemoAccounts } from './demo-accounts'

export function demoCode(role: string, dataDir: string, nowMs = Date.now()): { ok: true; code: string; username: string } | { ok: false; message: string } {
  if (!(ROLES as readonly string[]).includes(role)) return { ok: false, message: `unknown role "${role.slice(0, 40)}": expected one of ${ROLES.join(', ')}` }
  let accounts
  try {
    accounts = readDemoAccounts(dataDir)
  } catch (e) {
    return { ok: false, message: `cannot read ${dataDir}/demo-accounts.json: ${(e as Error).message}` }
  }
  const account = accounts.get(role as Role)
  if (!account) return { ok: false, message: accounts.size ? `no ${role} account in ${dataDir}/demo-accounts.json` : `no demo accounts yet: ${dataDir}/demo-accounts.json is missing (npm start creates it)` }
  return { ok: true, code: hotp(base32Decode(account.totp_secret), stepAt(nowMs)), username: account.username }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = demoCode(process.argv[2] ?? '', process.env.DEMO_DATA_DIR ?? '.data')
  if (!r.ok) {
    console.error(`demo:code: ${r.message}`)
    process.exit(2)
  }
  console.log(r.code)
}
