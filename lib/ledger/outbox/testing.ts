import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

// A webhook receiver for the tests and the benchmark: it verifies every request's Standard
// Webhooks signature with the library's own verifier, records what it accepted, and answers
// what `respond` says ('hang' never answers, so the sender times out).

interface ReceivedEvent {
  id: string
  timestamp: string
  body: string
  payload: { type: string; timestamp: string; data: Record<string, unknown> & { id: string; correlationId?: string } }
  at: number
}

export type Answer = number | 'hang'

/** What recordLoginReceived takes for the login request `id`, in the outbox tests. */
export function receivedLogin(id: string) {
  return {
    loginRequestId: id,
    connectionId: 'conn_1',
    serverKey: 'default',
    stateHash: 'hash',
    ttlSeconds: 600,
    ip: '10.0.0.9',
    userAgent: 'vitest',
  }
}

export interface TestReceiver {
  url: string
  /** Every request whose signature verified and that was answered 2xx, in arrival order. */
  accepted: ReceivedEvent[]
  /** Every request, with what it was answered. */
  requests: Array<{ id: string; type: string; correlationId: string | null; answer: Answer; verified: boolean }>
  respond: (event: ReceivedEvent) => Answer
  close(): Promise<void>
}

/** Answers a request the receiver does not take as a webhook (a control endpoint); returns false for the rest. */
export type ControlHandler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => boolean

export async function startTestReceiver(secret: string, port = 0, control?: ControlHandler): Promise<TestReceiver> {
  const verifier = new Webhook(secret)
  const hanging = new Set<http.ServerResponse>()
  const receiver: TestReceiver = {
    url: '',
    accepted: [],
    requests: [],
    respond: () => 204,
    close: async () => {
      for (const res of hanging) res.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      if (control?.(req, body, res)) return
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
      let verified = true
      try {
        verifier.verify(body, headers)
      } catch {
        verified = false
      }
      const event: ReceivedEvent = {
        id: headers['webhook-id'] ?? '',
        timestamp: headers['webhook-timestamp'] ?? '',
        body,
        payload: verified ? (JSON.parse(body) as ReceivedEvent['payload']) : ({} as ReceivedEvent['payload']),
        at: Date.now(),
      }
      const answer: Answer = verified ? receiver.respond(event) : 401
      const correlationId = typeof event.payload.data?.correlationId === 'string' ? event.payload.data.correlationId : null
      receiver.requests.push({ id: event.id, type: event.payload.type ?? '', correlationId, answer, verified })
      if (answer === 'hang') {
        hanging.add(res)
        return
      }
      if (answer >= 200 && answer < 300) receiver.accepted.push(event)
      res.writeHead(answer).end()
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`
  return receiver
}

/** A fresh whsec_ secret. */
export function newWebhookSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`
}
