/**
 * Where to send the user after signing in: a path on this console only. Anything that could
 * leave it (`//evil`, `/\\evil`, `https://…`, control characters, `javascript:`) or loop back
 * into the sign-in routes becomes `/`.
 */
export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw || raw.length > 2048) return '/'
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/'
  // Browsers drop tabs and newlines and read backslashes as slashes: refuse them all.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return '/'
  let url: URL
  try {
    url = new URL(raw, 'http://console.invalid')
  } catch {
    return '/'
  }
  if (url.origin !== 'http://console.invalid') return '/'
  if (url.pathname === '/auth' || url.pathname.startsWith('/auth/')) return '/'
  return `${url.pathname}${url.search}${url.hash}`
}
