import type { LocalOutbox } from '../../reference-idp/subprocessors/local'
import { until } from './processes'

/** Reads the newest sign-up code mailed to an address (from whichever mailbox the IdP sends to). */
export type ReadCode = (email: string) => Promise<string>

const CODE = /code to create your account: (\d{6})/
/** The IdP keeps addresses trimmed and lower-case, and mails them so. */
const normal = (email: string) => email.trim().toLowerCase()

/** Codes from the in-process outbox of startTestIdp (`box`). */
export const outboxCode = (box: Pick<LocalOutbox, 'messagesTo'>): ReadCode => (email) =>
  until(`a sign-up code mailed to ${email}`, () => {
    const m = box.messagesTo(normal(email)).map((x) => CODE.exec(x.text)).filter(Boolean).at(-1)
    return m ? m[1] : undefined
  })

/** Codes from the provider simulator's mailbox of the address (an IdP sending through the simulator). */
export const simulatorCode = (simulatorUrl: string): ReadCode => (email) =>
  until(`a sign-up code in the simulator's mailbox of ${email}`, async () => {
    const res = await fetch(`${simulatorUrl}/devices/mailbox/${encodeURIComponent(normal(email))}/messages`)
    const { messages } = (await res.json()) as { messages: { text: string; receivedAt: string }[] }
    const newest = messages.map((x) => ({ m: CODE.exec(x.text), at: x.receivedAt })).filter((x) => x.m).sort((a, b) => a.at.localeCompare(b.at)).at(-1)
    return newest?.m?.[1]
  }, 30_000)

/** Anything that posts JSON and keeps cookies, as test/support/idp-client's `client` does. */
export interface PostingClient { post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> }

/**
 * Sign up over the JSON API the way a person does: the address and password, then the code
 * mailed to the address. Returns the verify answer (201 with the session cookie in `c`'s jar);
 * throws when a step answers otherwise, naming it.
 */
export async function signUp(c: PostingClient, email: string, password: string, readCode: ReadCode) {
  const started = await c.post('/api/v1/signup', { email, password })
  if (started.status !== 202) throw new Error(`signUp ${email}: POST /api/v1/signup answered ${started.status} ${JSON.stringify(started.body)}`)
  const done = await c.post('/api/v1/signup/verify', { signup_id: started.body.signup_id, code: await readCode(email) })
  if (done.status !== 201) throw new Error(`signUp ${email}: POST /api/v1/signup/verify answered ${done.status} ${JSON.stringify(done.body)}`)
  return done
}
