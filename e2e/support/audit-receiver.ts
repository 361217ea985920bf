import { AUDIT_RECEIVER_URL } from './config'

// The e2e audit receiver (e2e/audit-receiver/main.ts): what reached it, and what it answers.

export interface AcceptedEvent {
  id: string
  type: string
  data: { id: string; step?: string; correlationId?: string; [key: string]: unknown }
  at: number
}

export interface ReceivedRequest {
  id: string
  type: string
  correlationId: string | null
  answer: number | 'hang'
  verified: boolean
}

export async function auditReceived(): Promise<{ accepted: AcceptedEvent[]; requests: ReceivedRequest[] }> {
  const response = await fetch(`${AUDIT_RECEIVER_URL}/_audit/events`)
  if (!response.ok) throw new Error(`audit receiver answered ${response.status}`)
  return (await response.json()) as { accepted: AcceptedEvent[]; requests: ReceivedRequest[] }
}

/** The receiver answers `answer` to every event, or only to the events of these logins (correlation ids). */
export async function setAuditAnswer(answer: number, correlationIds?: string[]): Promise<void> {
  const response = await fetch(`${AUDIT_RECEIVER_URL}/_audit/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ answer, correlationIds }),
  })
  if (!response.ok) throw new Error(`audit receiver answered ${response.status}`)
}
