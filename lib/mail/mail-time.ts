import 'server-only'
import type { Env } from '../env'

/** A moment as a message shows it: in the person's language and DISPLAY_TIME_ZONE, with the zone named. */
export function formatMailTime(env: Env, locale: string, at: number): string {
  return (
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: env.DISPLAY_TIME_ZONE }).format(new Date(at)) +
    ` (${env.DISPLAY_TIME_ZONE})`
  )
}
