/** Keeps a post-sign-in redirect on the bridge's own origin (no https://evil, //evil or /\evil). */
export function sameOriginRedirect(url: string, baseUrl: string): string {
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) return `${baseUrl}${url}`
  try {
    if (new URL(url).origin === new URL(baseUrl).origin) return url
  } catch {
    // Not a URL at all: fall through to the home page.
  }
  return baseUrl
}
