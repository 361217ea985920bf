import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postWebhook, WebhookTimeout } from './post'

// The audit stream's transport: the status once the answer is read, one kept-alive connection for
// successive events, a timeout over the whole exchange, and an answer cut off reported as an error.

type Behaviour = 'ok' | 'hang' | 'cut' | 'slow-body'

describe('postWebhook', () => {
  let server: http.Server
  let url: string
  let behaviour: Behaviour = 'ok'
  let connections = 0
  const received: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = []

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      request.on('end', () => {
        received.push({ method: request.method, headers: request.headers, body })
        if (behaviour === 'ok') response.writeHead(202, { 'content-type': 'text/plain' }).end('thanks, '.repeat(2000))
        else if (behaviour === 'cut') {
          response.writeHead(200, { 'content-length': '100' })
          response.write('only part')
          setTimeout(() => response.socket?.destroy(), 20)
        } else if (behaviour === 'slow-body') {
          response.writeHead(200, { 'content-length': '100' })
          response.write('the rest never comes')
        }
        // 'hang': no answer at all
      })
    })
    server.on('connection', () => (connections += 1))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit?tenant=acme`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('posts the body with its headers and answers the status, reusing one connection', async () => {
    behaviour = 'ok'
    const headers = { 'content-type': 'application/json', 'webhook-id': 'evt_1' }
    expect(await postWebhook(url, { headers, body: '{"type":"login.received","é":1}', timeoutMs: 2000 })).toBe(202)
    expect(await postWebhook(url, { headers: { ...headers, 'webhook-id': 'evt_2' }, body: '{}', timeoutMs: 2000 })).toBe(202)
    expect(received.map((r) => [r.method, r.headers['webhook-id'], r.headers['content-length'], r.body])).toEqual([
      ['POST', 'evt_1', '32', '{"type":"login.received","é":1}'],
      ['POST', 'evt_2', '2', '{}'],
    ])
    expect(connections).toBe(1)
  })

  it('gives up with a WebhookTimeout when no answer comes, or its body never ends', async () => {
    for (const slow of ['hang', 'slow-body'] as const) {
      behaviour = slow
      const started = performance.now()
      await expect(postWebhook(url, { headers: {}, body: '{}', timeoutMs: 150 })).rejects.toBeInstanceOf(WebhookTimeout)
      expect(performance.now() - started).toBeGreaterThanOrEqual(140)
      expect(performance.now() - started).toBeLessThan(1500)
    }
  })

  it('rejects an answer cut off before its end', async () => {
    behaviour = 'cut'
    const cut = postWebhook(url, { headers: {}, body: '{}', timeoutMs: 2000 })
    await expect(cut).rejects.toThrow()
    await expect(cut).rejects.not.toBeInstanceOf(WebhookTimeout)
  })

  it('rejects with the system code when nobody listens', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await expect(postWebhook(`http://127.0.0.1:${port}/`, { headers: {}, body: '{}', timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    })
  })
})
