import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'

// A software authenticator for the unit tests: an ES256 key, 'none' attestation, and the signature
// counter under the test's control, so a cloned authenticator (a counter that went back) can be made.

const UP = 0x01
const UV = 0x04
const BE = 0x08
const BS = 0x10
const AT = 0x40

export class SoftAuthenticator {
  readonly id = isoBase64URL.fromBuffer(new Uint8Array(randomBytes(16)))
  private readonly privateKey: KeyObject
  private readonly publicKey: KeyObject
  counter = 0

  constructor(
    readonly rpId: string,
    readonly origin: string,
    readonly options: { synced?: boolean; userVerified?: boolean } = {},
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.privateKey = pair.privateKey
    this.publicKey = pair.publicKey
  }

  private flags(extra = 0): number {
    return UP | (this.options.userVerified === false ? 0 : UV) | (this.options.synced ? BE | BS : 0) | extra
  }

  private authData(flags: number, tail: Uint8Array = new Uint8Array()): Buffer {
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(this.counter)
    return Buffer.concat([createHash('sha256').update(this.rpId).digest(), Buffer.from([flags]), counter, tail])
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  register(challenge: string, origin?: string): RegistrationResponseJSON {
    const jwk = this.publicKey.export({ format: 'jwk' })
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, isoBase64URL.toBuffer(jwk.x!)],
        [-3, isoBase64URL.toBuffer(jwk.y!)],
      ]),
    )
    const rawId = isoBase64URL.toBuffer(this.id)
    const length = Buffer.alloc(2)
    length.writeUInt16BE(rawId.length)
    const attested = Buffer.concat([Buffer.alloc(16), length, rawId, cose])
    const authData = this.authData(this.flags(AT), attested)
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as Parameters<typeof isoCBOR.encode>[0],
    )
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(new Uint8Array(this.clientData('webauthn.create', challenge, origin))),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: ['internal'],
      },
    }
  }

  /** Signs the challenge with the current counter + 1 (or exactly `counter` when given). */
  assert(challenge: string, userId: string, options: { counter?: number; origin?: string } = {}): AuthenticationResponseJSON {
    this.counter = options.counter ?? this.counter + 1
    const authData = this.authData(this.flags())
    const clientData = this.clientData('webauthn.get', challenge, options.origin)
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), this.privateKey)
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(new Uint8Array(clientData)),
        authenticatorData: isoBase64URL.fromBuffer(new Uint8Array(authData)),
        signature: isoBase64URL.fromBuffer(new Uint8Array(signature)),
        userHandle: isoBase64URL.fromBuffer(new TextEncoder().encode(userId)),
      },
    }
  }
}
