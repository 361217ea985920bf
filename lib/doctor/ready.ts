import 'server-only'
import { fail, pass, skip, warn, type FetchLike, type Finding } from './findings'
import { describeNetworkError } from './network'

// /api/ready, where the bridge has it: 200 ready, 503 with the part that is not.

const READY_FIXES: Record<string, string> = {
  database: "check DATABASE_URL and that the database accepts the bridge's connections",
  scalekit: "see the scalekit.* lines (credentials, environment URL, reachability from the bridge's host)",
}

function readReadyDetail(part: Record<string, unknown>): string | undefined {
  for (const key of ['error', 'message', 'detail', 'reason']) {
    const value = part[key]
    if (typeof value === 'string' && value) return value.slice(0, 160)
  }
  return undefined
}

export async function checkReady(appOrigin: string, fetchImpl: FetchLike, timeoutMs: number): Promise<Finding> {
  const id = 'ready'
  const url = `${appOrigin}/api/ready`
  let response: Response
  try {
    response = await fetchImpl(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    return warn(id, `GET ${url} failed: ${describeNetworkError(error, timeoutMs)}.`, "Check the bridge's logs.")
  }
  const body = await response.text().catch(() => '')
  if (response.status === 404) {
    return skip(
      id,
      `GET ${url} answered 404: this version of the bridge has no readiness endpoint.`,
      'Nothing to do; update the bridge to get one.',
    )
  }
  if (response.status === 200) return pass(id, `GET ${url} answered 200: ready.`)
  if (response.status !== 503) {
    return warn(
      id,
      `GET ${url} answered HTTP ${response.status} (expected 200, or 503 when not ready).`,
      "Check the bridge's logs and the proxy in front of /api/ready.",
    )
  }
  let checks: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(body) as { checks?: unknown }
    if (parsed.checks && typeof parsed.checks === 'object') checks = parsed.checks as Record<string, unknown>
  } catch {
    // A 503 without the bridge's JSON comes from something in front of it.
  }
  const failing = Object.entries(checks).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      typeof entry[1] === 'object' && entry[1] !== null && (entry[1] as { ok?: unknown }).ok !== true,
  )
  if (!failing.length) {
    return fail(
      id,
      `GET ${url} answered 503 without naming a failing part.`,
      "Check the bridge's logs, and whether a proxy in front answers 503.",
    )
  }
  const parts = failing.map(([name, part]) => {
    const detail = readReadyDetail(part)
    return detail ? `${name} (${detail})` : name
  })
  const fixes = failing.map(([name]) => `${name}: ${READY_FIXES[name] ?? "see the bridge's logs"}`)
  return fail(id, `GET ${url} answered 503, not ready: ${parts.join(', ')}.`, `${fixes.join('; ')}.`)
}
