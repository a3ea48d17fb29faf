import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { esc } from '../http/io'
import type { Route } from '../http/types'
import { PASSWORD_MIN } from '../factors/password-policy'

/**
 * A new-password field (sign-up, change): label, hint, a show-password button (ASVS 2.1.12) and
 * a strength meter (2.1.8) that /assets/password.js brings to life. Without scripts both stay
 * hidden and the form works as before; the server's check is the authority either way.
 */
export function newPasswordField(o: { name: string; label: string; error?: boolean }): string {
  const id = esc(o.name)
  const described = [`${id}-hint`, `${id}-strength`, ...(o.error ? ['error'] : [])].join(' ')
  return `<label for="${id}">${esc(o.label)} (at least ${PASSWORD_MIN} characters)</label>
<input id="${id}" name="${id}" type="password" required autocomplete="new-password" minlength="${PASSWORD_MIN}" aria-describedby="${described}"${o.error ? ' aria-invalid="true"' : ''}>
<button type="button" class="pw-toggle" data-password-toggle aria-controls="${id}" aria-pressed="false" hidden>Show password</button>
<p class="note" id="${id}-hint">12 to 128 characters; a few unrelated words work well. Common and breached passwords, and ones built on your e-mail address, are refused.</p>
<div class="pw-meter" id="${id}-strength" data-strength-for="${id}" aria-live="polite" hidden><meter min="0" max="4" low="2" high="3" optimum="4" value="0" aria-label="Strength"></meter> <span data-strength-text></span></div>`
}

/** The scripts of a page with a new-password field (external files: the CSP forbids inline scripts). */
export const PASSWORD_SCRIPTS = '<script src="/assets/zxcvbn-core.js" defer></script><script src="/assets/zxcvbn-common.js" defer></script><script src="/assets/password.js" defer></script>'

const require = createRequire(import.meta.url)
const bundle = (pkg: string) => join(dirname(require.resolve(pkg)), 'zxcvbn-ts.js')
const ASSETS: Record<string, () => string> = {
  '/assets/zxcvbn-core.js': () => readFileSync(bundle('@zxcvbn-ts/core'), 'utf8'),
  '/assets/zxcvbn-common.js': () => readFileSync(bundle('@zxcvbn-ts/language-common'), 'utf8'),
  '/assets/password.js': () => readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'assets', 'password.js'), 'utf8'),
}

export function passwordAssetRoutes(): Route[] {
  const cache = new Map<string, string>()
  return Object.entries(ASSETS).map(([path, load]): Route => ({
    method: 'GET', path, kind: 'page',
    async handler(x) {
      if (!cache.has(path)) cache.set(path, load())
      x.res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' })
      x.res.end(cache.get(path))
    },
  }))
}
