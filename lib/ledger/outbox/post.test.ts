import http from 'node:http'
import type { Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { postWebhook, WebhookTimeout } from './post'

// The audit stream's transport: the status as the answer, one kept-alive connection for successive
// events, a timeout until the status arrives (a body that never ends is cut off), and a request
// sent again at once when the receiver had dropped the reused connection.

type Behaviour = 'ok' | 'hang' | 'cut' | 'slow-body' | 'drop-reused'

describe('postWebhook', () => {
  let server: http.Server
  let url: string
  let behaviour: Behaviour = 'ok'
  let connections = 0
  const served = new WeakMap<Socket, number>()
  /** When the connections that served a body that never ends were closed. */
  const closed: number[] = []
  const received: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = []

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const socket = request.socket
      served.set(socket, (served.get(socket) ?? 0) + 1)
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      request.on('end', () => {
        received.push({ method: request.method, headers: request.headers, body })
        if (behaviour === 'drop-reused' && served.get(socket)! > 1) socket.destroy()
        else if (behaviour === 'ok' || behaviour === 'drop-reused')
          response.writeHead(202, { 'content-type': 'text/plain' }).end('thanks, '.repeat(2000))
        else if (behaviour === 'cut') {
          response.writeHead(200, { 'content-length': '100' })
          response.write('only part')
          setTimeout(() => socket.destroy(), 20)
        } else if (behaviour === 'slow-body') {
          socket.once('close', () => closed.push(performance.now()))
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
  beforeEach(() => {
    server.closeAllConnections()
    connections = 0
    received.length = 0
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

  it('sends again at once, on a new connection, when the receiver dropped the reused one unanswered', async () => {
    behaviour = 'drop-reused'
    expect(await postWebhook(url, { headers: { 'webhook-id': 'evt_a' }, body: '{}', timeoutMs: 2000 })).toBe(202)
    expect(await postWebhook(url, { headers: { 'webhook-id': 'evt_b' }, body: '{}', timeoutMs: 2000 })).toBe(202)
    expect(received.map((r) => r.headers['webhook-id'])).toEqual(['evt_a', 'evt_b', 'evt_b'])
    expect(connections).toBe(2)
  })

  it('gives up with a WebhookTimeout when no status comes', async () => {
    behaviour = 'hang'
    const started = performance.now()
    await expect(postWebhook(url, { headers: {}, body: '{}', timeoutMs: 150 })).rejects.toBeInstanceOf(WebhookTimeout)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it('takes the status of an answer whose body is cut off, or never ends (then closes the connection at the timeout)', async () => {
    behaviour = 'cut'
    expect(await postWebhook(url, { headers: {}, body: '{}', timeoutMs: 2000 })).toBe(200)
    behaviour = 'slow-body'
    closed.length = 0
    const started = performance.now()
    expect(await postWebhook(url, { headers: {}, body: '{}', timeoutMs: 300 })).toBe(200)
    expect(performance.now() - started).toBeLessThan(250)
    await expect.poll(() => closed.length, { timeout: 2000 }).toBeGreaterThan(0)
    expect(closed[0]! - started).toBeGreaterThanOrEqual(280)
  })

  it('rejects with the system code when nobody listens', async () => {
    const gone = http.createServer()
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve))
    const port = (gone.address() as AddressInfo).port
    await new Promise((resolve) => gone.close(resolve))
    await expect(postWebhook(`http://127.0.0.1:${port}/`, { headers: {}, body: '{}', timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    })
  })
})
