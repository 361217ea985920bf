// What the person is told when the browser's passkey ceremony ends without an answer: WebAuthn
// reports a cancel and a timeout alike (NotAllowedError), so the message covers both. Runs in the
// browser: the words come as props from the page (app/login/words.ts).

export interface PasskeyBrowserWords {
  cancelled: string
  alreadyOnDevice: string
  cannotCreate: string
  cannotUse: string
}

export function browserPasskeyError(error: unknown, creating: boolean, words: PasskeyBrowserWords): string | null {
  const name = error instanceof Error ? error.name : ''
  if (name === 'AbortError') return null
  if (name === 'NotAllowedError') return words.cancelled
  if (name === 'InvalidStateError' && creating) return words.alreadyOnDevice
  return creating ? words.cannotCreate : words.cannotUse
}
