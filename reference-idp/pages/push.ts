import QRCode from 'qrcode'
import { MfaError } from '../errors'
import { esc, redirect, sendHtml } from '../http/io'
import type { Exchange, Route } from '../http/types'
import type { PushService } from '../login/push'
import { page } from './layout'
import { factorList } from './settings'

export interface PushPageDeps {
  push: PushService
  publicUrl: () => string
  /** The signed-in user when the session is fresh enough; otherwise it has answered (sign-in or step-up page). */
  fresh(x: Exchange, action: string): Promise<string | undefined>
}

const ID = /^[0-9a-f-]{36}$/
const CODE = /^[A-Za-z0-9_-]{22}$/

/** The QR code and the typed fallback for the phone's app; the page keeps the code to show it again. */
async function pairPage(publicUrl: string, pairingId: string, code: string, note?: string, error?: string): Promise<string> {
  const uri = `factorwatch://push-pair?code=${code}&idp=${encodeURIComponent(publicUrl)}`
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
  return page('Add a phone for push approval', `
<ol><li>Open the FactorWatch app on your phone and choose <em>Add account</em>.</li><li>Scan this code. It works once, for 10 minutes.</li><li>Come back here and continue.</li></ol>
<div class="qr" role="img" aria-label="QR code for pairing the phone app">${svg}</div>
<p class="note">Can't scan? Type this pairing code in the app: <code>${esc(code)}</code></p>
${note ? `<p role="status" class="done">${esc(note)}</p>` : ''}
<form method="post" action="/push/pair/check"><input type="hidden" name="pairing_id" value="${esc(pairingId)}"><input type="hidden" name="code" value="${esc(code)}">
<button type="submit">My phone has scanned it</button></form><p><a href="/push">Cancel</a></p>`, error)
}

/** Number matching for the new phone: the number is shown here and typed in the app, never sent to the phone. */
const numberPage = (pairingId: string, code: string, number: number | undefined, note?: string) => page('Confirm on your phone', `
${number !== undefined ? `<p>The app on your phone asks for a number. Type this one:</p>
<p class="match-number" aria-label="Number to type: ${number}" style="font-size:3rem;font-weight:700;letter-spacing:.2em;text-align:center;margin:1rem 0">${number}</p>` : ''}
${note ? `<p role="status" class="done">${esc(note)}</p>` : ''}
<form method="post" action="/push/pair/check"><input type="hidden" name="pairing_id" value="${esc(pairingId)}"><input type="hidden" name="code" value="${esc(code)}"><input type="hidden" name="step" value="number">
<button type="submit">I typed it</button></form>`)

/** Phones for push approval: the list, and pairing a new one by QR code. */
export function pushPageRoutes(d: PushPageDeps): Route[] {
  const p = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'page', handler })
  const listPage = async (userId: string, error?: string) => page('Phones for push approval', `
<p>A phone with the FactorWatch app approves sign-ins: the sign-in page shows a number, you type it on the phone.</p>
${await notice(userId)}${factorList(await d.push.factors(userId))}
<form method="post" action="/push/pair"><button type="submit">Add a phone</button></form><p><a href="/">Back to your account</a></p>`, error)
  const notice = async (userId: string) => {
    const text = await d.push.lockNotice(userId)
    return text ? `<div class="error" role="alert">${esc(text)}</div>` : ''
  }
  const friendly = (e: unknown) => {
    if (!(e instanceof MfaError) || e.status >= 500) throw e
    return e
  }

  return [
    p('GET', '/push', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      sendHtml(x.res, 200, await listPage(userId))
    }),
    p('POST', '/push/pair', async (x) => {
      const userId = await d.fresh(x, 'Adding a phone')
      if (!userId) return
      try {
        const r = await d.push.pair(userId)
        sendHtml(x.res, 200, await pairPage(d.publicUrl(), r.pairingId, r.code))
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, await listPage(userId, err.message))
      }
    }),
    p('POST', '/push/pair/check', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      const body = await x.body()
      const pairingId = String(body.pairing_id ?? '')
      const code = String(body.code ?? '')
      if (!ID.test(pairingId) || !CODE.test(code)) return sendHtml(x.res, 400, await listPage(userId, 'This pairing is not valid; add the phone again.'))
      try {
        const st = await d.push.pairingStatus(userId, pairingId)
        if (st.status === 'waiting') return sendHtml(x.res, 200, await pairPage(d.publicUrl(), pairingId, code, 'Not yet: scan the code with the app first.'))
        if (st.status === 'expired') return sendHtml(x.res, 410, await listPage(userId, 'The pairing code expired before the phone used it; add the phone again.'))
        if (st.status === 'active') return redirect(x.res, '/push')
        const v = await d.push.verifyDevice(userId, st.deviceId, x.ctx)
        if (v.status === 'active') return redirect(x.res, '/push')
        sendHtml(x.res, 200, numberPage(pairingId, code, st.number, body.step === 'number' ? 'Not confirmed yet: type the number in the app, then continue.' : undefined))
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, await listPage(userId, err.message))
      }
    }),
  ]
}
