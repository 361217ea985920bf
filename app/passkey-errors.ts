// What the person is told when the browser's passkey ceremony ends without an answer: WebAuthn
// reports a cancel and a timeout alike (NotAllowedError), so the message covers both.

export function browserPasskeyError(error: unknown, creating: boolean): string | null {
  const name = error instanceof Error ? error.name : ''
  if (name === 'AbortError') return null
  if (name === 'NotAllowedError') return 'The passkey request was cancelled or timed out. Try again when you are ready.'
  if (name === 'InvalidStateError' && creating) return 'This device already holds a passkey for your account.'
  return creating ? 'Your browser could not create a passkey.' : 'Your browser could not use a passkey.'
}
