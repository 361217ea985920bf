'use server'

import { headers } from 'next/headers'
import { getLocale, getTranslations } from 'next-intl/server'
import { z } from 'zod'
import { admitPasswordResetRequest, waitMinutes } from '@/lib/auth/throttle'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { isPendingHere, rememberResetReturn } from '@/lib/login/reset-return'
import { enqueueMail } from '@/lib/mail/outbox'
import { isOwnPagesPost } from '@/lib/server/cross-site'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { loginPath, loginRequestFrom } from '../params'

export interface ForgotState {
  attempt: number
  /** What was typed, given back with a message. */
  email?: string
  message?: string
  /** The message is about the address typed (so the field is marked invalid). */
  invalid?: boolean
  /** The one answer for every well-formed address, and where to go back to. */
  sent?: { text: string; back?: string }
}

const ForgotForm = z.object({ email: z.email().max(254) })

/** How long an unsent reset message is worth trying: after an hour, nobody is waiting for it. */
const RESET_MAIL_LIFETIME_MS = 3600 * 1000

/**
 * "Forgot your password?" (security.md case 51): the request never looks the address up. It is
 * throttled per address asked for and per client address, then writes one outbox row; whether an
 * account is behind it is decided by the mail worker, so every well-formed address gets the same
 * answer in the same time.
 */
export async function forgotPasswordAction(previous: ForgotState, form: FormData): Promise<ForgotState> {
  const attempt = previous.attempt + 1
  const t = await getTranslations('reset.forgot')
  const env = getEnv()
  const h = await headers()
  if (!isOwnPagesPost(h)) {
    return { message: t('crossSite'), attempt }
  }
  const typed = typeof form.get('email') === 'string' ? String(form.get('email')).trim() : ''
  if (!env.mail) return { message: t('off'), email: typed, attempt }
  const input = ForgotForm.safeParse({ email: typed })
  if (!input.success) return { message: t('invalidEmail'), invalid: true, email: typed, attempt }
  const email = input.data.email
  const db = await getDb()
  const ip = h.get(PEER_ADDRESS_HEADER) || null
  const limits = { perAccount: env.mail.resetsPerAccount, perAddress: env.mail.resetsPerAddress }
  const verdict = await admitPasswordResetRequest(db, email, ip, limits)
  if (!verdict.allowed) return { message: t('throttled', { minutes: waitMinutes(verdict.retryAfterMs) }), email, attempt }
  await enqueueMail(db, {
    kind: 'password_reset',
    toEmail: email,
    userId: null,
    locale: await getLocale(),
    lifetimeMs: RESET_MAIL_LIFETIME_MS,
  })
  // A login request still pending in this browser is where the reset page sends the person back.
  const login = loginRequestFrom(form.get('login_request_id'), form.get('state'), form.get('server'))
  const back = login.ok && (await isPendingHere(login.params)) ? login.params : undefined
  if (back) await rememberResetReturn(back)
  return { sent: { text: t('sent', { email, minutes: env.mail.resetTtlMinutes }), back: back && loginPath(back) }, attempt }
}
