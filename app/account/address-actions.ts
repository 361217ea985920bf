'use server'

import { redirect } from 'next/navigation'
import { getLocale } from 'next-intl/server'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { accountHolder } from '@/lib/factors/account'
import { queueVerification, verificationMailsSince, VERIFY_REQUESTS_PER_HOUR } from '@/lib/mail/verify-queue'

// /account's "Send a verification link". proxy.ts refuses a cross-site POST to /account before it
// runs; it reads the signed-in local user again. The message is only queued here (the mail worker
// sends it and issues its link, which ends the older ones).

export async function sendVerificationAction(): Promise<void> {
  const holder = await accountHolder()
  if (!holder || !getEnv().mail) redirect('/account')
  const { user } = holder
  if (user.email_verified === 1) redirect('/account')
  const db = await getDb()
  const now = Date.now()
  if ((await verificationMailsSince(db, user.id, now - 3600_000)) >= VERIFY_REQUESTS_PER_HOUR) redirect('/account?verification=wait')
  await queueVerification(db, user, await getLocale(), now)
  redirect('/account?verification=sent#address')
}
