'use client'

import { useSyncExternalStore } from 'react'
import { browserSupportsWebAuthn } from '@simplewebauthn/browser'

// Whether this browser can use passkeys: null while the server renders and while the page hydrates,
// so a page without JavaScript (and the first paint) shows no passkey controls.

const never = () => () => {}

export function useWebAuthnSupport(): boolean | null {
  return useSyncExternalStore(never, browserSupportsWebAuthn, () => null)
}
