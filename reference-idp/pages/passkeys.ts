import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MfaError } from '../errors'
import type { PasskeyInfo, WebauthnService } from '../factors/webauthn'
import { parseInput } from '../http/inputs'
import { esc, redirect, sendHtml } from '../http/io'
import type { Route } from '../http/types'
import { RemoveInput, RenameInput } from '../http/webauthn-inputs'
import { page } from './layout'

/** The scripts the passkey pages load; CSP is `default-src 'self'`, so they are same-origin files. */
const ASSETS: Record<string, () => string> = {
  // The package's standalone UMD bundle: it defines the global `SimpleWebAuthnBrowser`.
  '/assets/simplewebauthn-browser.js': () => readFileSync(join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'), 'utf8'),
  '/assets/passkeys.js': () => readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'assets', 'passkeys.js'), 'utf8'),
}
const SCRIPTS = Object.keys(ASSETS).map((src) => `<script src="${src}" defer></script>`).join('')

const status = '<p id="status" role="status" aria-live="polite" class="note"></p><div id="error" class="error" role="alert" hidden></div>'

const when = (iso: string | null) => (iso ? esc(iso.slice(0, 16).replace('T', ' ')) + ' UTC' : 'never')

function passkeyItem(p: PasskeyInfo): string {
  const label = `rename-${esc(p.id)}`
  return `<li><strong>${esc(p.name)}</strong> <span class="note">(${p.device_type === 'multiDevice' ? 'synced' : 'this device only'}; added ${when(p.created_at)}; last used ${when(p.last_used_at)})</span>
<form method="post" action="/passkeys/rename"><input type="hidden" name="id" value="${esc(p.id)}">
<label for="${label}">New name for ${esc(p.name)}</label><input id="${label}" name="name" required maxlength="64" value="${esc(p.name)}">
<button type="submit">Rename</button></form>
<form method="post" action="/passkeys/remove"><input type="hidden" name="id" value="${esc(p.id)}"><button type="submit" aria-label="Remove ${esc(p.name)}">Remove</button></form></li>`
}

const passkeysPage = (list: PasskeyInfo[], error?: string) => page('Passkeys', `
<p>A passkey signs you in with your device's screen lock or a security key: nothing to type, and it only works on this site.</p>
${list.length ? `<h2>Your passkeys</h2><ul>${list.map(passkeyItem).join('')}</ul>` : '<p>You have no passkey yet.</p>'}
<h2>Add a passkey</h2>
<label for="passkey-name">Name for the new passkey</label><input id="passkey-name" name="name" maxlength="64" value="Passkey">
<button type="button" id="add-passkey" data-action="register">Add a passkey</button>
${status}
<noscript><p>Adding a passkey needs JavaScript.</p></noscript>
<p><a href="/">Back to your account</a></p>${SCRIPTS}`, error)

const loginPage = (flowId?: string) => page(flowId ? 'Confirm with your passkey' : 'Sign in with a passkey', `
<p>${flowId ? 'Use your passkey to finish signing in.' : 'Use a passkey saved on this device, your phone or a security key. No password needed.'}</p>
<button type="button" id="passkey-login" data-action="login"${flowId ? ` data-flow-id="${esc(flowId)}"` : ''}>${flowId ? 'Use my passkey' : 'Sign in with a passkey'}</button>
${status}
<noscript><p>Signing in with a passkey needs JavaScript.</p></noscript>
<p class="note"><a href="/login">Sign in with a password instead</a></p>${SCRIPTS}`)

const FLOW_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Server-rendered passkey pages; the ceremonies themselves run in `/assets/passkeys.js`. */
export function passkeyPageRoutes(webauthn: WebauthnService): Route[] {
  const p = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'page', handler })
  const cache = new Map<string, string>()
  const assets = Object.entries(ASSETS).map(([path, load]) => p('GET', path, async (x) => {
    if (!cache.has(path)) cache.set(path, load())
    x.res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' })
    x.res.end(cache.get(path))
  }))
  const manage = (schema: typeof RenameInput | typeof RemoveInput, act: (userId: string, input: { id: string; name?: string }, x: Parameters<Route['handler']>[0]) => Promise<void>) =>
    async (x: Parameters<Route['handler']>[0]) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      try {
        await act(userId, parseInput(schema, await x.body()), x)
        redirect(x.res, '/passkeys')
      } catch (e) {
        if (!(e instanceof MfaError) || e.status >= 500) throw e
        sendHtml(x.res, e.status, passkeysPage(await webauthn.list(userId), e.message))
      }
    }
  return [
    ...assets,
    p('GET', '/passkeys', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      sendHtml(x.res, 200, passkeysPage(await webauthn.list(userId)))
    }),
    p('POST', '/passkeys/rename', manage(RenameInput, (userId, input, x) => webauthn.rename(userId, input.id, input.name!, x.ctx))),
    p('POST', '/passkeys/remove', manage(RemoveInput, (userId, input, x) => webauthn.remove(userId, input.id, x.ctx))),
    p('GET', '/login/passkey', async (x) => {
      const flowId = x.url.searchParams.get('flow_id') ?? undefined
      sendHtml(x.res, 200, loginPage(flowId && FLOW_ID.test(flowId) ? flowId : undefined))
    }),
  ]
}
