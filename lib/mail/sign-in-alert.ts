import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { writeAudit } from '../admin/audit'
import { fingerprint } from '../server/log'
import { findUserById } from '../users/directory'
import type { MailComposer } from './compose'
import { formatMailTime } from './mail-time'
import { enqueueMail } from './outbox'
import { mailFooter, mailWords, renderMail } from './templates'
import { claimEmailToken, findEmailToken, issueEmailToken, type EmailTokenProblem } from './tokens'

// New-sign-in alerts (MAIL_SIGN_IN_ALERTS=on, security.md case 54): after a local user's login
// completes from a browser or address not seen before, a message says where and when, with a link
// to report it. The message names the server, time, address and browser, never a token or state;
// the report link's token is issued when it is sent and bound to the login request it reports.

type Db = Kysely<Database>

const REPORT_TTL_MS = 7 * 24 * 3600_000
/** An alert is only worth sending while it is news. */
const ALERT_LIFETIME_MS = 24 * 3600_000

export interface SignInAlert {
  userId: string
  email: string
  locale: string
  loginRequestId: string
  /** The server's display name, when several are configured; null otherwise. */
  server: string | null
  at: number
  ip: string | null
  browser: string
}

export async function queueSignInAlert(db: Db, alert: SignInAlert): Promise<void> {
  const { userId, email, locale, loginRequestId, server, at, ip, browser } = alert
  await enqueueMail(db, {
    kind: 'sign_in_alert',
    userId,
    toEmail: email,
    locale,
    params: { loginRequestId, server, at, ip, browser },
    lifetimeMs: ALERT_LIFETIME_MS,
    now: at,
  })
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : '?')

export const composeSignInAlert: MailComposer = async ({ db, env, row, params, now }) => {
  const user = row.user_id ? await findUserById(db, row.user_id) : undefined
  if (!user) return { drop: 'no such account' }
  if (user.disabled) return { drop: 'account disabled' }
  if (user.email !== row.to_email) return { drop: 'address changed' }
  const loginRequestId = typeof params.loginRequestId === 'string' ? params.loginRequestId : null
  if (!loginRequestId) return { drop: 'no login request' }
  const report = {
    purpose: 'report_sign_in' as const,
    userId: user.id,
    subject: loginRequestId,
    ttlMs: REPORT_TTL_MS,
    now,
    keepOthers: true,
  }
  const { token } = await issueEmailToken(db, report)
  const { locale, t } = mailWords(env, row.locale, 'alerts')
  const when = formatMailTime(env, locale, typeof params.at === 'number' ? params.at : row.created_at)
  const server = typeof params.server === 'string' && params.server ? params.server : null
  const body = {
    subject: t('mail.subject'),
    heading: t('mail.heading'),
    paragraphs: [
      server ? t('mail.introServer', { email: user.email, server }) : t('mail.intro', { email: user.email }),
      t('mail.when', { when }),
      t('mail.address', { ip: text(params.ip) }),
      t('mail.browser', { browser: text(params.browser) }),
      t('mail.ifYou'),
    ],
    action: { label: t('mail.button'), url: `${env.APP_URL}/report-sign-in/${token}` },
    after: [t('mail.ifNot')],
  }
  return { send: renderMail(body, env.brand, mailFooter(env, row.locale), locale) }
}

export interface ReportedSignIn {
  serverKey: string
  at: number
  ip: string | null
  userAgent: string | null
}

/** What a report link is about: the sign-in it names, or why the link does not work. */
export async function findReport(
  db: Db,
  token: string,
  now = Date.now(),
): Promise<{ ok: true; email: string; signIn: ReportedSignIn | null } | { ok: false; problem: EmailTokenProblem }> {
  const found = await findEmailToken(db, 'report_sign_in', token, now)
  if (!found.ok) return found
  const user = await findUserById(db, found.userId)
  if (!user) return { ok: false, problem: 'unknown' }
  const row = found.subject
    ? await db
        .selectFrom('login_requests')
        .select(['server_key', 'signed_in_at', 'finished_at', 'created_at', 'ip', 'user_agent'])
        .where('id', '=', found.subject)
        .executeTakeFirst()
    : undefined
  const signIn = row
    ? { serverKey: row.server_key, at: row.finished_at ?? row.signed_in_at ?? row.created_at, ip: row.ip, userAgent: row.user_agent }
    : null
  return { ok: true, email: user.email, signIn }
}

/**
 * "This wasn't me": uses the link up, ends every session of the account (as the admin's "sign out
 * everywhere" does), marks the ledger entry reported and writes the audit row, in one transaction.
 */
export async function reportSignIn(
  db: Db,
  token: string,
  ip: string | null,
  now = Date.now(),
): Promise<{ ok: true; email: string } | { ok: false; problem: EmailTokenProblem }> {
  const found = await findEmailToken(db, 'report_sign_in', token, now)
  if (!found.ok) return found
  const user = await findUserById(db, found.userId)
  if (!user) return { ok: false, problem: 'unknown' }
  const loginRequestId = found.subject
  const claimed = await db.transaction().execute(async (trx) => {
    if (!(await claimEmailToken(trx, 'report_sign_in', token, now))) return false
    await trx.updateTable('users').set({ sessions_revoked_at: now, updated_at: now }).where('id', '=', user.id).execute()
    if (loginRequestId) await trx.updateTable('login_requests').set({ reported_at: now }).where('id', '=', loginRequestId).execute()
    // The login request's fingerprint, as log lines name it: the audit stream leaves the bridge.
    const detail = { login_request: loginRequestId ? fingerprint(loginRequestId) : null, sessions_revoked_at: now }
    await writeAudit(trx, { actor: user.email, ip }, { action: 'user.report_sign_in', target: user.email, detail, at: now })
    return true
  })
  if (claimed) return { ok: true, email: user.email }
  const after = await findEmailToken(db, 'report_sign_in', token, now)
  return { ok: false, problem: after.ok ? 'used' : after.problem }
}
