import 'server-only'
import { Webhook } from 'standardwebhooks'
import type { AuditReceiver } from './config'
import type { AttemptResult, ClaimedDelivery } from './leases'
import { WebhookTimeout, type PostWebhook } from './post'

// One delivery attempt: the event's body, signed per Standard Webhooks with the receiver's secret
// (webhook-id = the event's stable id, so a receiver de-duplicates on it), POSTed with a timeout
// (post.ts). A redirect is not followed.
// 2xx: delivered. A timeout, a network error, 408, 429 or 5xx: retried with exponential backoff
// and jitter until the retry period is over, then failed. Any other answer: failed at once (the
// receiver refuses this event; sending it again would change nothing).

export interface RetryPolicy {
  baseMs: number
  maxMs: number
  /** Retries stop (the delivery fails) once the event is this old. */
  retryForMs: number
  /** 0..1; tests pass a fixed value. */
  random: () => number
}

/** The delay before attempt number `attempts + 1`: base * 2^(attempts - 1), capped, times 0.5..1 (jitter). */
function backoffDelay(policy: RetryPolicy, attempts: number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)))
  return Math.max(1, Math.round(exponential * (0.5 + policy.random() / 2)))
}

/** A failed attempt's short, secret-free description: never the URL (it may carry a token) nor the body. */
function attemptError(error: unknown): string {
  if (error instanceof WebhookTimeout) return 'timeout'
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } }
  if (typeof code === 'string') return `network error (${code})`
  if (cause && typeof cause.code === 'string') return `network error (${cause.code})`
  return error instanceof Error && error.name !== 'Error' ? `network error (${error.name})` : 'network error'
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

function signedHeaders(receiver: AuditReceiver, delivery: ClaimedDelivery, now: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'byoa-bridge-audit/1',
    'webhook-id': delivery.eventId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(receiver.secret).sign(delivery.eventId, now, delivery.payload),
  }
}

/** Sends one delivery and says what to record; `now()` is the clock (tests pass a fake one). */
export async function attemptDelivery(
  receiver: AuditReceiver,
  delivery: ClaimedDelivery,
  options: { timeoutMs: number; policy: RetryPolicy; now: () => number; post: PostWebhook },
): Promise<AttemptResult> {
  let status: number | null = null
  let error: string
  try {
    status = await options.post(receiver.url, {
      // The wall clock, not the scheduling clock: receivers check the timestamp against theirs.
      headers: signedHeaders(receiver, delivery, new Date()),
      body: delivery.payload,
      timeoutMs: options.timeoutMs,
    })
    if (status >= 200 && status < 300) return { outcome: 'delivered', status }
    error = `HTTP ${status}`
    if (!retryable(status)) return { outcome: 'failed', status, error }
  } catch (caught) {
    error = attemptError(caught)
  }
  const now = options.now()
  const attempts = delivery.attempts + 1
  if (now - delivery.createdAt >= options.policy.retryForMs) {
    return { outcome: 'failed', status, error: `${error}; gave up after ${attempts} attempts` }
  }
  return { outcome: 'retry', status, error, nextAttemptAt: now + backoffDelay(options.policy, attempts) }
}
