import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { execFileSync } from 'node:child_process'
import { describe, expect, it, vi } from 'vitest'
import { checkPeerAddressStamp, clientAddress, PEER_ADDRESS_HEADER, stampPeerAddresses } from './peer-address'

describe('clientAddress', () => {
  it('keeps the TCP peer unless proxies are trusted', () => {
    expect(clientAddress('::ffff:10.0.0.5', '203.0.113.9', 0)).toBe('10.0.0.5')
    expect(clientAddress('10.0.0.5', undefined, 1)).toBe('10.0.0.5')
  })

  it('takes the entry the farthest trusted proxy appended, never what the client wrote', () => {
    // The client forged "1.1.1.1"; the one trusted proxy appended the real address.
    expect(clientAddress('10.0.0.5', '1.1.1.1, 198.51.100.7', 1)).toBe('198.51.100.7')
    expect(clientAddress('10.0.0.5', ['1.1.1.1, 198.51.100.7', '10.0.0.9'], 2)).toBe('198.51.100.7')
    expect(clientAddress('10.0.0.5', '2001:db8::1', 1)).toBe('2001:db8::1')
  })

  it('falls back to the peer when the header is short or not an address', () => {
    expect(clientAddress('10.0.0.5', '198.51.100.7', 2)).toBe('10.0.0.5')
    expect(clientAddress('10.0.0.5', '<script>', 1)).toBe('10.0.0.5')
  })
})

describe('the peer address seam (stampPeerAddresses)', () => {
  it('stamps the TCP peer on every request a real http.Server emits, over any value the client sent', async () => {
    stampPeerAddresses(0)
    const seen: Array<string | string[] | undefined> = []
    const server = http.createServer((request, response) => {
      seen.push(request.headers[PEER_ADDRESS_HEADER])
      response.end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const answer = await fetch(`http://127.0.0.1:${port}/`, { headers: { [PEER_ADDRESS_HEADER]: '203.0.113.66' } })
      expect(answer.status).toBe(200)
      expect(seen).toEqual(['127.0.0.1'])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('readiness fails, saying why, for a request that arrives without the stamp', () => {
    expect(checkPeerAddressStamp(new Headers({ [PEER_ADDRESS_HEADER]: '127.0.0.1' }))).toEqual({ ok: true })
    const missing = checkPeerAddressStamp(new Headers())
    expect(missing.ok).toBe(false)
    expect(missing.error).toMatch(/^requests arrive without the peer address stamped at start-up/)
  })
})

describe('the peer address header', () => {
  it('case 35: has a random name per process, the same for every copy of the module in one process', async () => {
    expect(PEER_ADDRESS_HEADER).toMatch(/^x-bridge-peer-[0-9a-f]{24}$/)
    vi.resetModules()
    const again = await import('./peer-address')
    expect(again.PEER_ADDRESS_HEADER).toBe(PEER_ADDRESS_HEADER)
    const other = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./lib/server/peer-address.ts').then((m) => console.log(m.PEER_ADDRESS_HEADER ?? m.default.PEER_ADDRESS_HEADER))",
      ],
      {
        encoding: 'utf8',
      },
    ).trim()
    expect(other).toMatch(/^x-bridge-peer-[0-9a-f]{24}$/)
    expect(other).not.toBe(PEER_ADDRESS_HEADER)
  })
})
