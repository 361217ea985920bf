import { headers } from 'next/headers'
import { getRequestConfig } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import { LOCALE_HEADER, isLocale } from '@/lib/i18n/locales'
import { messagesFor } from '@/lib/i18n/messages'

// next-intl's configuration for each request: the locale proxy.ts negotiated (lib/i18n/negotiate.ts)
// and that locale's messages. The pages render on the server; no message reaches the browser's
// JavaScript (client components get their words as props).
export default getRequestConfig(async () => {
  const env = getEnv()
  const asked = (await headers()).get(LOCALE_HEADER)
  const locale = isLocale(asked) ? asked : env.DEFAULT_LOCALE
  return {
    locale,
    messages: messagesFor(locale, env.messageOverrides),
    timeZone: env.DISPLAY_TIME_ZONE,
  }
})
