import http from 'node:http'

// A load balancer in front of several bridges for the two-instance case: every request goes to
// the backend the test chose last, as a sticky-less balancer could send it. It records which
// backend answered each request, so a test can prove a login crossed instances.

export interface Balancer {
  url: string
  /** Sends the following requests to this backend's origin. */
  route(to: string): void
  served: Array<{ method: string; path: string; backend: string }>
  close(): Promise<void>
}

export async function startBalancer(port: number, firstBackend: string): Promise<Balancer> {
  let backend = firstBackend
  const served: Balancer['served'] = []
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', backend)
    served.push({ method: req.method ?? 'GET', path: target.pathname, backend })
    const upstream = http.request(
      target,
      { method: req.method, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('bad gateway')
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(port, resolve))
  return {
    url: `http://localhost:${port}`,
    route(to) {
      backend = to
    },
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
