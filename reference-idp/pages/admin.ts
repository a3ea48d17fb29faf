import { AccountTypeDecideInput, AccountTypeInput, EndExemptionInput, ExemptionInput, RecoveryDecideInput, UnlockInput, ApproveExemptionInput } from '../admin-routes'
import { MfaError } from '../errors'
import { parseInput } from '../http/inputs'
import { esc, sendHtml } from '../http/io'
import type { Exchange, Route } from '../http/types'
import type { AccountSecurity } from '../login/account-security'
import type { AdminRecovery } from '../login/admin-recovery'
import type { Audit } from '../login/audit'
import { MAX_MINUTES, type ExemptionView, type Exemptions } from '../login/exemptions'
import type { GrantView, Roles } from '../login/roles'
import { field, page } from './layout'

export interface AdminPageDeps {
  recovery: AdminRecovery
  exemptions: Exemptions
  security: AccountSecurity
  audit: Audit
  roles: Roles
  /** The admin when allowed (admin, second factor, fresh); otherwise it has answered (sign-in, step-up, enroll or 403 page). */
  admin(x: Exchange, action: string): Promise<string | undefined>
}

const when = (d: Date | string | null) => (d ? esc(new Date(d).toISOString().slice(0, 16).replace('T', ' ')) + ' UTC' : '—')
const KIND_TEXT = { policy_exempt: 'Policy exemption', admin_override: 'Admin override (next sign-in)', break_glass: 'Break-glass (≤ 60 min)' } as const
const reasonField = (id: string) => `<label for="reason-${esc(id)}">Reason</label><input id="reason-${esc(id)}" name="reason" required minlength="3" maxlength="500">`

type RecoveryItem = Awaited<ReturnType<AdminRecovery['list']>>[number]
const recoveryRow = (r: RecoveryItem) => `<tr><td>${esc(r.email)}</td><td>${esc(r.user_group)}</td><td>${when(r.created_at)}</td>
<td><form method="post" action="/admin/recovery/decide"><input type="hidden" name="id" value="${esc(r.id)}">${reasonField(r.id)}
<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button></form></td></tr>`

function exemptionRow(e: ExemptionView): string {
  const approve = e.status === 'requested' && !e.requested_by_you
    ? `<form method="post" action="/admin/exemptions/approve"><input type="hidden" name="id" value="${esc(e.id)}"><button type="submit" aria-label="Approve turning MFA off for ${esc(e.email)}">Approve</button></form>` : ''
  const waiting = e.status === 'requested' && e.requested_by_you ? '<span class="note">waiting for a second admin</span>' : ''
  const end = e.status === 'requested' || e.status === 'active'
    ? `<form method="post" action="/admin/exemptions/end"><input type="hidden" name="id" value="${esc(e.id)}">${reasonField(`end-${e.id}`)}<button type="submit">${e.status === 'requested' ? 'Deny' : 'Revoke'}</button></form>` : ''
  return `<tr><td>${esc(e.email)}</td><td>${esc(KIND_TEXT[e.kind])}, ${e.minutes} min</td><td>${esc(e.reason)}</td><td>${esc(e.status)}${e.expires_at ? ` until ${when(e.expires_at)}` : ''}</td><td>${approve}${waiting}${end}</td></tr>`
}

const table = (caption: string, head: string[], rows: string[], empty: string) => rows.length
  ? `<table><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`
  : `<p>${esc(empty)}</p>`

const exemptionForm = `<form method="post" action="/admin/exemptions">
${field({ name: 'email', label: 'E-mail address of the account', type: 'email', autocomplete: 'off' })}
<label for="kind">Kind</label><select id="kind" name="kind">${Object.entries(KIND_TEXT).map(([k, t]) => `<option value="${k}">${esc(t)}</option>`).join('')}</select>
<label for="minutes">For how many minutes (break-glass at most ${MAX_MINUTES.break_glass}, override ${MAX_MINUTES.admin_override}, exemption ${MAX_MINUTES.policy_exempt})</label><input id="minutes" name="minutes" type="number" required min="1" max="${MAX_MINUTES.policy_exempt}" value="60">
${reasonField('new-exemption')}
<button type="submit">Ask to turn MFA off</button></form>`

const GROUPS = ['customer', 'workforce', 'vendor', 'admin'] as const
const accountTypeForm = `<form method="post" action="/admin/account-type">
${field({ name: 'type_email', label: 'Account whose type changes (its e-mail address)', type: 'email', autocomplete: 'off' })}
<label for="user_group">New account type</label><select id="user_group" name="user_group">${GROUPS.map((g) => `<option value="${g}">${g}</option>`).join('')}</select>
${reasonField('account-type')}<button type="submit">Change account type</button></form>`

const grantRow = (g: GrantView) => `<tr><td>${esc(g.email)}</td><td>${esc(g.from_group)} → ${esc(g.user_group)}</td><td>${esc(g.reason)}</td><td>${g.requested_by_you ? '<span class="note">waiting for a second admin</span>'
  : `<form method="post" action="/admin/account-type/decide"><input type="hidden" name="id" value="${esc(g.id)}">${reasonField(`grant-${g.id}`)}<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button></form>`}</td></tr>`

const unlockForm = `<form method="post" action="/admin/unlock">
${field({ name: 'unlock_email', label: 'E-mail address of the locked account', type: 'email', autocomplete: 'off' })}
${reasonField('unlock')}<button type="submit">Unlock second factors</button></form>`

/** The admin console of the IdP: recovery requests, MFA exemptions (two-person rule), unlocks, the audit log. */
export function adminPageRoutes(d: AdminPageDeps): Route[] {
  const p = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'page', handler })
  /** A fresh admin session, or undefined once it has answered (sign-in, step-up or 403 page). */
  const admin = (x: Exchange, action: string) => d.admin(x, action)
  const adminPage = async (x: Exchange, adminId: string, status = 200, error?: string, done?: string) => {
    const [requests, exemptions, audit, grants] = await Promise.all([d.recovery.list('requested'), d.exemptions.list(adminId), d.audit.recent(30), d.roles.pending(adminId)])
    sendHtml(x.res, status, page('Administration', `${done ? `<div role="status" class="done">${done}</div>` : ''}
<h2>Recovery requests</h2>
${table('Waiting for a decision: call the person back before approving', ['Account', 'Group', 'Asked', 'Decision'], requests.map(recoveryRow), 'No open recovery requests.')}
<h2>Turning MFA off</h2>
<p class="note">Two-person rule: the admin who asks cannot approve; nobody approves their own account. Every sign-in that skips MFA is an <code>mfa.bypass</code> event.</p>
${table('Exemptions, newest first', ['Account', 'Kind', 'Reason', 'Status', 'Actions'], exemptions.map(exemptionRow), 'No exemptions.')}
<h3>Ask for an exemption</h3>${exemptionForm}
<h2>Account types</h2>
<p class="note">Nobody chooses their own account type. Workforce and vendor accounts are set by one admin; granting or removing admin needs a second admin.</p>
${table('Waiting for a second admin', ['Account', 'Change', 'Reason', 'Decision'], grants.map(grantRow), 'No account-type changes waiting.')}
${accountTypeForm}
<h2>Unlock an account</h2>
<p class="note">Lifts the lock after too many wrong codes and a push lock after a fraud report or push bombing. Check with the person first: a fraud report means someone else knows their password.</p>
${unlockForm}
<h2>Audit log</h2>
${table('Latest 30 entries (people as HMAC hashes)', ['When', 'Action', 'Actor', 'Target', 'Detail'], audit.map((a) => `<tr><td>${when(a.at)}</td><td>${esc(a.action)}</td><td><code>${esc(a.actor_hash?.slice(0, 12) ?? '—')}</code></td><td><code>${esc(a.target_hash?.slice(0, 12) ?? '—')}</code></td><td>${esc(a.detail ?? '')}</td></tr>`), 'Nothing audited yet.')}
<p><a href="/">Back to your account</a></p>`, error, { wide: true }))
  }
  /** Run an admin form post; a refusal (4xx) re-renders the page with the message, nothing changed. */
  const action = (path: string, what: string, run: (adminId: string, body: Record<string, unknown>, x: Exchange) => Promise<string>) =>
    p('POST', path, async (x) => {
      const adminId = await admin(x, what)
      if (!adminId) return
      try {
        await adminPage(x, adminId, 200, undefined, await run(adminId, await x.body(), x))
      } catch (e) {
        if (!(e instanceof MfaError) || e.status >= 500) throw e
        await adminPage(x, adminId, e.status, e.message)
      }
    })

  return [
    p('GET', '/admin', async (x) => {
      const adminId = await admin(x, 'The admin page')
      if (adminId) await adminPage(x, adminId)
    }),
    action('/admin/recovery/decide', 'Deciding a recovery request', async (adminId, body, x) => {
      const input = parseInput(RecoveryDecideInput, body)
      const r = await d.recovery.decide(adminId, input.id, input.decision === 'approve', input.reason, x.ctx)
      // Shown once, to hand over on a channel the admin trusts (a call-back, in person).
      return r.token
        ? `Approved. Give this one-time link to the person on a channel you trust; it works once, for 30 minutes, and is not shown again: <code>${esc(`/recover#${r.token}`)}</code>`
        : 'Denied.'
    }),
    action('/admin/exemptions', 'Asking to turn MFA off for someone', async (adminId, body, x) => {
      const input = parseInput(ExemptionInput, { ...body, minutes: Number(body.minutes) })
      await d.exemptions.request(adminId, input, x.ctx)
      return 'Asked. A second admin must approve it before it applies.'
    }),
    action('/admin/exemptions/approve', 'Approving an MFA exemption', async (adminId, body, x) => {
      const input = parseInput(ApproveExemptionInput, body)
      return `Approved: MFA is off for that account until ${when(await d.exemptions.approve(adminId, input.id, x.ctx))}.`
    }),
    action('/admin/exemptions/end', 'Ending an MFA exemption', async (adminId, body, x) => {
      const input = parseInput(EndExemptionInput, body)
      return (await d.exemptions.end(adminId, input.id, input.reason, x.ctx)) === 'denied' ? 'Denied.' : 'Revoked: MFA applies again from the next sign-in.'
    }),
    action('/admin/account-type', 'Changing an account type', async (adminId, body) => {
      const input = parseInput(AccountTypeInput, { email: body.type_email, user_group: body.user_group, reason: body.reason })
      const r = await d.roles.change({ kind: 'admin', id: adminId }, input.email, input.user_group, input.reason)
      return r.status === 'applied' ? `Changed: the account is now ${esc(input.user_group)}.` : 'Asked. A second admin must approve it before it applies.'
    }),
    action('/admin/account-type/decide', 'Deciding an account-type change', async (adminId, body) => {
      const input = parseInput(AccountTypeDecideInput, body)
      return (await d.roles.decide(adminId, input.id, input.decision === 'approve', input.reason)) === 'applied' ? 'Approved: the account type is changed.' : 'Denied.'
    }),
    action('/admin/unlock', 'Unlocking an account', async (adminId, body, x) => {
      const input = parseInput(UnlockInput, { email: body.unlock_email, reason: body.reason })
      const r = await d.security.unlock(adminId, input.email, input.reason, x.ctx)
      return `Unlocked: ${[r.codes && 'code sign-in', r.push && 'push approval'].filter(Boolean).join(' and ')}.`
    }),
  ]
}
