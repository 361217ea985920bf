import { expect } from '@playwright/test'
import { MAIL_CATCHER_URL } from './config'
import type { CatcherFault, CaughtMail } from '../mail-catcher/catcher'

// Reading the suite's SMTP server (e2e/mail-catcher): what arrived for an address, and its faults.

export async function mailTo(address: string): Promise<CaughtMail[]> {
  const response = await fetch(`${MAIL_CATCHER_URL}/_mail/messages?to=${encodeURIComponent(address)}`)
  return ((await response.json()) as { messages: CaughtMail[] }).messages
}

/** Waits for the `count`-th message to `address` (1 = the first) and answers it. */
export async function waitForMail(address: string, count = 1, timeout = 15_000): Promise<CaughtMail> {
  await expect
    .poll(async () => (await mailTo(address)).length, { timeout, message: `message ${count} to ${address}` })
    .toBeGreaterThanOrEqual(count)
  return (await mailTo(address))[count - 1]!
}

/** The first link in a message's text part that starts with `prefix` (an absolute URL). */
export function linkIn(mail: CaughtMail, prefix: string): string {
  const link = mail.links.find((l) => l.startsWith(prefix))
  if (!link) throw new Error(`no link starting with ${prefix} in "${mail.subject}": ${mail.links.join(' ')}`)
  return link
}

export async function setMailFault(fault: CatcherFault): Promise<void> {
  const response = await fetch(`${MAIL_CATCHER_URL}/_mail/fault`, { method: 'POST', body: JSON.stringify(fault) })
  expect(response.status).toBe(200)
}

export async function mailStats(): Promise<{ rejected: number; accepted: number }> {
  const response = await fetch(`${MAIL_CATCHER_URL}/_mail/messages?to=-`)
  return ((await response.json()) as { stats: { rejected: number; accepted: number } }).stats
}
