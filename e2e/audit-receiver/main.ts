import { startTestReceiver, type Answer } from '../../lib/ledger/outbox/testing'
import { AUDIT_RECEIVER_PORT, AUDIT_WEBHOOK_SECRET } from '../support/config'

// The SIEM of the e2e suite: receives the bridges' audit stream on AUDIT_RECEIVER_PORT, verifies
// each request's Standard Webhooks signature with the library's own verifier (a bad one is
// answered 401 and never accepted), and lets a test read what arrived and choose the answers:
//   GET  /_audit/health
//   GET  /_audit/events           -> { accepted: [...], requests: [...] }
//   POST /_audit/reset            forgets what arrived (the benchmark, between its phases)
//   POST /_audit/answer { answer, correlationIds? }: what to answer every event, or only the events
//        of these logins (by correlation id)

let fallback: Answer = 204
const byLogin = new Map<string, Answer>()

async function main() {
  const receiver = await startTestReceiver(
    process.env.BENCH_WEBHOOK_SECRET || AUDIT_WEBHOOK_SECRET,
    AUDIT_RECEIVER_PORT,
    (req, body, res) => {
      if (!req.url?.startsWith('/_audit/')) return false
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
      if (req.url === '/_audit/health') json(200, { ok: true })
      else if (req.url === '/_audit/events') {
        const accepted = receiver.accepted.map((e) => ({ id: e.id, type: e.payload.type, data: e.payload.data, at: e.at }))
        json(200, { accepted, requests: receiver.requests })
      } else if (req.url === '/_audit/reset' && req.method === 'POST') {
        receiver.accepted.length = 0
        receiver.requests.length = 0
        json(200, { ok: true })
      } else if (req.url === '/_audit/answer' && req.method === 'POST') {
        const { answer, correlationIds } = JSON.parse(body) as { answer: Answer; correlationIds?: string[] }
        if (correlationIds) for (const cid of correlationIds) byLogin.set(cid, answer)
        else {
          fallback = answer
          byLogin.clear()
        }
        json(200, { ok: true })
      } else json(404, { error: 'not_found' })
      return true
    },
  )

  receiver.respond = (event) => {
    const cid = event.payload.data.correlationId
    return (cid !== undefined && byLogin.get(cid)) || fallback
  }

  process.stdout.write(`audit receiver on ${receiver.url}\n`)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void receiver.close().then(() => process.exit(0)))
}

void main()
