import http from 'node:http'
import http2 from 'node:http2'
import net from 'node:net'

// Client connection preface of HTTP/2 with prior knowledge (RFC 9113 §3.4).
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

export interface DualProtocolServer {
  listen(port: number, host: string): Promise<number>
  /** Closes the port and every open connection for `ms`, so callers get ECONNREFUSED, then reopens it. */
  refuseConnections(ms: number): void
  close(): Promise<void>
}

/**
 * One port, two protocols: the Scalekit SDK sends tokens/JWKS over HTTP/1.1 (axios) and gRPC over
 * h2c to the same base URL. Each connection is peeked and handed to the matching server.
 */
export function createDualProtocolServer(http1Server: http.Server, http2Server: http2.Http2Server): DualProtocolServer {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    // A reset from a client must never crash the process.
    socket.on('error', () => socket.destroy())
    routeConnection(socket, http1Server, http2Server)
  })

  let bound: { port: number; host: string } | undefined
  let closed = false
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const address = server.address()
          const actual = typeof address === 'object' && address ? address.port : port
          bound = { port: actual, host }
          resolve(actual)
        })
      })
    },
    refuseConnections(ms) {
      if (!bound || !server.listening) return
      const { port, host } = bound
      server.close()
      for (const socket of sockets) socket.destroy()
      // A referenced timer: with the port closed, it is what keeps the process alive meanwhile.
      setTimeout(() => {
        if (!closed) server.listen(port, host)
      }, ms)
    },
    close() {
      closed = true
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve()
          return
        }
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
    },
  }
}

function routeConnection(socket: net.Socket, http1Server: http.Server, http2Server: http2.Http2Server): void {
  let received = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk])
    const compared = Math.min(received.length, HTTP2_PREFACE.length)
    const looksLikeHttp2 = received.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared))
    if (looksLikeHttp2 && received.length < HTTP2_PREFACE.length) return
    socket.off('data', onData)
    socket.pause()
    socket.unshift(received)
    if (looksLikeHttp2) {
      // The HTTP/2 session drains the socket's buffered bytes itself (on the next tick).
      http2Server.emit('connection', socket)
      return
    }
    http1Server.emit('connection', socket)
    socket.resume()
  }
  socket.on('data', onData)
}
