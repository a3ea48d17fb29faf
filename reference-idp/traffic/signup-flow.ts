import { isTransport, type Caller } from './client'
import { waitForCode } from './device'
import { call, SetupError, what, type SetupDeps } from './setup-common'

/** How long a new user waits for the mailed sign-up code before asking again (once). */
export const SIGNUP_CODE_WAIT_MS = 25_000
const SIGNUP_TRIES = 2
/** Why a user failed when no sign-up mail came (the IdP does not send through the simulator, most likely). */
export const SIGNUP_UNDELIVERED = `no sign-up code reached the simulator's mailbox within ${SIGNUP_CODE_WAIT_MS / 1000} s (${SIGNUP_TRIES} tries); does the IdP send through the simulator (IDP_PROVIDER_URL)?`

/**
 * Sign up as a person does: the address and password, then the code the IdP mails to the
 * address, read off the simulator's mailbox (e-mail vendors carry sign-up mails, not login
 * codes). A mail that never arrives is asked for again once; then the user fails as undelivered.
 */
export async function signUpUser(d: SetupDeps, caller: Caller, email: string, password: string): Promise<void> {
  if (!d.devices) throw new SetupError('sign-up needs --simulator: the IdP mails a code to the new address, read off the simulator\'s mailbox')
  const now = d.now ?? Date.now
  const used = new Set<string>()
  for (let i = 0; i < SIGNUP_TRIES && !d.signal.aborted; i++) {
    const since = now()
    const started = await call(d, '/api/v1/signup', { email, password }, caller)
    const signupId = !isTransport(started) && started.status === 202 ? started.body.signup_id : undefined
    if (typeof signupId !== 'string') throw new SetupError(`sign-up failed: ${what(started)}`)
    const msg = await waitForCode({ devices: d.devices, sleep: d.sleep, now, signal: d.signal }, { channel: 'email', address: email }, since, since + SIGNUP_CODE_WAIT_MS, used)
    if (!msg?.code) continue
    used.add(msg.id)
    const done = await call(d, '/api/v1/signup/verify', { signup_id: signupId, code: msg.code }, caller)
    if (done.status === 201 && !isTransport(done)) return
    throw new SetupError(`sign-up verification failed: ${what(done)}`)
  }
  throw new SetupError(SIGNUP_UNDELIVERED, true)
}
