import { getTranslations } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import type { LoginRequestParams } from '@/lib/login/request'
import { forgotPath } from './params'

/**
 * Under the local directory's password form: a link to /login/forgot that keeps the login request,
 * or, with email off, where to turn instead.
 */
export async function ForgotPasswordLink({ params }: { params?: LoginRequestParams }) {
  const t = await getTranslations('reset')
  if (!getEnv().mail) {
    return (
      <p data-testid="forgot-password" className="text-center text-sm text-slate-600">
        {t('askAdmin')}
      </p>
    )
  }
  return (
    <p data-testid="forgot-password" className="text-center text-sm">
      <a href={forgotPath(params)} className="font-medium text-slate-700 underline underline-offset-4 hover:text-slate-900">
        {t('link')}
      </a>
    </p>
  )
}

/** On the sign-in page the reset sent the person back to (`reset=done`). */
export async function PasswordChangedNotice() {
  const t = await getTranslations('reset')
  return (
    <p data-testid="reset-done" className="mt-4 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
      {t('notice')}
    </p>
  )
}
