import { getTranslations } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import { getDb } from '@/lib/db/client'
import { findLoginRequest } from '@/lib/ledger/record'
import { readPending } from '@/lib/login/cookie'
import { checkState, type LoginRequestParams } from '@/lib/login/request'
import { bindingOf, findServer } from '@/lib/servers'
import { Heading } from '../../../ui'
import { Card } from '../../../card'
import { CancelForm, UseAnotherAccountForm } from '../../request-forms'

/**
 * Who was refused, and on which server, named only to the browser the request is bound to (its
 * sealed entry); anyone else who opens this address sees the general sentence.
 */
async function refusedPerson(params: LoginRequestParams): Promise<{ email: string; serverName: string } | null> {
  const server = findServer(params.server)
  if (!server) return null
  const env = getEnv()
  const check = checkState(await readPending(), params, Date.now(), env.LOGIN_REQUEST_TTL_SECONDS, bindingOf(server))
  if (!check.ok) return null
  try {
    const row = await findLoginRequest(await getDb(), params.loginRequestId)
    return row?.status === 'denied' && row.user_email ? { email: row.user_email, serverName: server.name } : null
  } catch {
    return null
  }
}

/** The 403 page of a person the server's access policy refused: another account, or cancel. */
export async function DeniedView({ params }: { params: LoginRequestParams }) {
  const person = await refusedPerson(params)
  const t = await getTranslations('problems.access_denied')
  const tl = await getTranslations('login.problem')
  return (
    <Card>
      <Heading>{person ? tl('deniedPerson', { email: person.email, server: person.serverName }) : t('title')}</Heading>
      <p data-testid="problem-message" className="mt-3 text-sm leading-6 text-slate-700">
        {t('message')}
      </p>
      <UseAnotherAccountForm params={params} className="mt-6" />
      <CancelForm params={params} />
      <p className="mt-6 text-xs text-slate-500">
        {tl.rich('reference', { code: 'access_denied', ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
