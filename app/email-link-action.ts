import 'server-only'
import type { Kysely } from 'kysely'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { z } from 'zod'
import type { Database } from '@/lib/db/schema'
import { getDb } from '@/lib/db/client'
import { emailLinkProblemPath, type EmailLinkPage, type PageProblemCode } from '@/lib/mail/link-problems'
import { isOwnPagesPost } from '@/lib/server/cross-site'
import { logEvent } from '@/lib/server/log'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import type { EmailLinkState } from './email-link-form'

// The button of a page a message's link opens (/verify-email, /report-sign-in): a public endpoint,
// so it checks the origin as the login forms do, then uses the link (single use, in one
// transaction with what it does), or sends the person to the page saying why it does not work.

const LinkForm = z.object({ token: z.string().max(100) })

type UseLink<P extends EmailLinkPage> = (
  db: Kysely<Database>,
  token: string,
  ip: string | null,
) => Promise<{ ok: true; email: string } | { ok: false; problem: PageProblemCode<P> }>

export async function emailLinkAction<P extends EmailLinkPage>(
  previous: EmailLinkState,
  form: FormData,
  link: { page: P; words: string; use: UseLink<P>; logged: { event: string; fields?: Record<string, string> } },
): Promise<EmailLinkState> {
  const attempt = previous.attempt + 1
  const t = await getTranslations(link.words)
  const h = await headers()
  if (!isOwnPagesPost(h)) return { message: t('crossSite'), attempt }
  const input = LinkForm.safeParse(Object.fromEntries(form))
  if (!input.success) redirect(emailLinkProblemPath(link.page, 'unknown'))
  const result = await link.use(await getDb(), input.data.token, h.get(PEER_ADDRESS_HEADER) || null)
  if (!result.ok) redirect(emailLinkProblemPath(link.page, result.problem))
  logEvent(link.logged.event, link.logged.fields ?? {})
  return { done: t('done', { email: result.email }), attempt }
}
