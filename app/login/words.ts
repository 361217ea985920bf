import 'server-only'
import { getTranslations } from 'next-intl/server'
import { waitMinutes } from '@/lib/auth/throttle'
import type { SignInWords } from '../email-password-fields'
import type { CodeFormWords } from '../code-form'
import type { RecoveryCodesWords } from '../recovery-codes'
import type { PasskeyBrowserWords } from '../passkey-errors'

// The words of the client forms, read on the server in the page's language and passed as props:
// no message reaches the browser's JavaScript otherwise (i18n/request.ts).

export async function signInWords(): Promise<SignInWords> {
  const t = await getTranslations('login.form')
  return { email: t('email'), password: t('password'), submit: t('submit') }
}

export async function recoveryCodesWords(): Promise<RecoveryCodesWords> {
  const t = await getTranslations('factors.recovery')
  return { heading: t('heading'), intro: t('intro') }
}

export async function codeFormWords(need: 'code' | 'enrol'): Promise<CodeFormWords> {
  const t = await getTranslations('factors.code')
  return {
    label: need === 'code' ? t('label') : t('enrolLabel'),
    submit: need === 'code' ? t('verify') : t('turnOn'),
    recovery: await recoveryCodesWords(),
  }
}

export async function passkeyBrowserWords(): Promise<PasskeyBrowserWords> {
  const t = await getTranslations('factors.passkey.browser')
  return { cancelled: t('cancelled'), alreadyOnDevice: t('alreadyOnDevice'), cannotCreate: t('cannotCreate'), cannotUse: t('cannotUse') }
}

/** "Too many failed sign-in attempts. Wait about 15 minutes, then try again.", whichever key is locked. */
export async function throttledText(retryAfterMs: number): Promise<string> {
  const t = await getTranslations('login.errors')
  return t('throttled', { minutes: waitMinutes(retryAfterMs) })
}
