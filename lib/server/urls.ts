// The one rule for every URL the bridge is configured with or sends a secret to: https
// everywhere, plain http only to loopback hosts, so a laptop demo and the tests can run on http.

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1'])

export function isLoopbackHost(hostname: string): boolean {
  if (LOOPBACK_HOSTS.has(hostname)) return true
  return /^127(\.\d{1,3}){3}$/.test(hostname)
}

export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

/** The same rule for a string that may not be a URL at all. */
export function isAcceptableServiceUrl(value: string): boolean {
  try {
    return isHttpsOrLoopback(new URL(value))
  } catch {
    return false
  }
}
