import 'server-only'
import http from 'node:http'
import https from 'node:https'

// How a signed event travels: one POST with Node's own HTTP client, over connections kept alive
// per receiver. Not the global fetch: Next.js wraps it (a span and cache bookkeeping per call),
// and undici's web streams make hundreds of promises per request, each one paid again for every
// AsyncLocalStorage in the process, the one tracing adds included. With traces on, the stream
// cost a login several times what it cost alone (docs/benchmarks.md, "Operations on").

interface WebhookRequest {
  headers: Record<string, string>
  body: string
  /** For the whole exchange: from sending to the answer's last byte. */
  timeoutMs: number
}

/** Posts `body` and answers the HTTP status once the answer is read; rejects on a network error or a WebhookTimeout. */
export type PostWebhook = (url: string, request: WebhookRequest) => Promise<number>

export class WebhookTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`)
    this.name = 'WebhookTimeout'
  }
}

const agents: Record<string, http.Agent> = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
}

export const postWebhook: PostWebhook = (url, { headers, body, timeoutMs }) =>
  new Promise<number>((resolve, reject) => {
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
      clearTimeout(timer)
      done()
    }
    const fail = (error: Error) => settle(() => reject(timedOut ? new WebhookTimeout(timeoutMs) : error))
    const timer = setTimeout(() => {
      timedOut = true
      request.destroy()
    }, timeoutMs)
    request.on('error', fail)
    request.on('close', () => answered || fail(new Error('the connection closed before an answer')))
    request.on('response', (response) => {
      answered = true
      // Only the status matters: the body is read and dropped, so the connection can be used again.
      response.on('error', fail)
      response.on('end', () => settle(() => resolve(response.statusCode ?? 0)))
      response.on('close', () => fail(new Error('the answer was cut off')))
      response.resume()
    })
    request.end(body)
  })
