'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { getDb } from '@/lib/db/client'
import { takeResetReturn } from '@/lib/login/reset-return'
import { isOwnPagesPost } from '@/lib/server/cross-site'
import { logEvent } from '@/lib/server/log'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { resetPassword } from '@/lib/users/password-reset'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/users/passwords'
import { emailLinkProblemPath } from '@/lib/mail/link-problems'
import { loginPath } from '../../params'
import type { NewPasswordState } from '../../../new-password-form'

/**
 * Sets a new password from a reset link (security.md case 52): a public endpoint, so it checks the
 * origin and the link again (single use, in one transaction with the password). It signs nobody
 * in: the person returns to the login request they left, or is told to sign in afresh.
 */
export async function resetPasswordAction(previous: NewPasswordState, form: FormData): Promise<NewPasswordState> {
  const attempt = previous.attempt + 1
  const t = await getTranslations('reset.page')
  const h = await headers()
  if (!isOwnPagesPost(h)) {
    return { message: t('crossSite'), attempt }
  }
  const token = form.get('token')
  const password = form.get('password')
  if (typeof token !== 'string' || typeof password !== 'string') redirect(emailLinkProblemPath('/login/reset', 'unknown'))
  if (password !== form.get('confirmation')) return { message: t('mismatch'), attempt }
  const result = await resetPassword(await getDb(), { token, password, ip: h.get(PEER_ADDRESS_HEADER) || null })
  if (!result.ok && 'policy' in result) {
    const tooLong = [...password].length > PASSWORD_MAX_LENGTH
    return { message: tooLong ? t('tooLong', { max: PASSWORD_MAX_LENGTH }) : t('tooShort', { min: PASSWORD_MIN_LENGTH }), attempt }
  }
  if (!result.ok) redirect(emailLinkProblemPath('/login/reset', result.problem))
  logEvent('password_reset', {})
  const back = await takeResetReturn()
  redirect(back ? `${loginPath(back)}&reset=done` : '/login/reset/done')
}
