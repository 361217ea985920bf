import 'server-only'
import http from 'node:http'
import https from 'node:https'

// How a signed event travels: one POST with Node's own HTTP client, over connections kept alive
// per receiver (an idle one is closed after 4 s, and a request that finds its reused connection
// already closed by the receiver is sent once more on a new one, at once). Not the global fetch:
// Next.js wraps it (a span and cache bookkeeping per call), and undici's web streams make hundreds
// of promises per request, each one paid again for every AsyncLocalStorage in the process, the one
// tracing adds included. With traces on, the stream
// cost a login several times what it cost alone (docs/benchmarks.md, "Operations on").

interface WebhookRequest {
  headers: Record<string, string>
  body: string
  /** Until the answer's status arrives; an answer's body still coming then is cut off. */
  timeoutMs: number
}

/** Posts `body` and answers the HTTP status; rejects on a network error or a WebhookTimeout. */
export type PostWebhook = (url: string, request: WebhookRequest) => Promise<number>

export class WebhookTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`)
    this.name = 'WebhookTimeout'
  }
}

/** Idle connections are closed before a receiver's own idle timeout is likely to close them. */
const IDLE_MS = 4000
const agents: Record<string, http.Agent> = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_MS }),
}

/** The receiver had closed the kept-alive connection this request went out on: nothing reached it. */
class StaleConnection extends Error {
  readonly code = 'ECONNRESET'
}

function postOnce(url: string, { headers, body, timeoutMs }: WebhookRequest): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : http
    const request = client.request(target, {
      method: 'POST',
      agent: agents[target.protocol],
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    })
    let settled = false
    let timedOut = false
    let answered = false
    const settle = (done: () => void) => {
      if (settled) return
      settled = true
      done()
    }
    // Bounds the answer's status, then its body: a body that never ends is cut off.
    const timer = setTimeout(() => {
      timedOut = true
      request.destroy()
    }, timeoutMs)
    const fail = (error: Error & { code?: unknown }) => {
      clearTimeout(timer)
      if (timedOut) return settle(() => reject(new WebhookTimeout(timeoutMs)))
      const stale = !answered && request.reusedSocket && error.code === 'ECONNRESET'
      settle(() => reject(stale ? new StaleConnection(error.message) : error))
    }
    request.on('error', fail)
    request.on('close', () => answered || fail(new Error('the connection closed before an answer')))
    request.on('response', (response) => {
      answered = true
      // The status is the answer. The body is read and dropped so the connection can be used again.
      settle(() => resolve(response.statusCode ?? 0))
      response.on('error', () => {})
      response.on('close', () => clearTimeout(timer))
      response.resume()
    })
    request.end(body)
  })
}

export const postWebhook: PostWebhook = async (url, request) => {
  try {
    return await postOnce(url, request)
  } catch (error) {
    if (!(error instanceof StaleConnection)) throw error
    return postOnce(url, request)
  }
}
