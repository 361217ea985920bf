'use server'

import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { recordSourceFailure } from '@/lib/auth/idp-sign-in'
import { problemPath } from '@/lib/login/problems'
import { readSecondStep, type SecondStep } from '@/lib/factors/second-step'
import type { LoginRequestParams } from '@/lib/login/request'
import { runSecondStep, type CodeState } from '../second-step-core'
import { complete, readRequest } from './action-support'
import { loginPath } from './params'

/** The second step of this login request in this browser, or back to its sign-in page. */
async function stepFor(params: LoginRequestParams, need: SecondStep['need']): Promise<SecondStep> {
  const step = await readSecondStep()
  if (!step || step.loginRequestId !== params.loginRequestId || step.need !== need) redirect(loginPath(params))
  return step
}

/**
 * The code after the password: an authenticator or recovery code completes the login; at
 * enrolment, the first code of the new authenticator signs the person in and the recovery codes
 * are shown once, then "Continue" completes.
 */
export async function loginSecondStepAction(previous: CodeState, form: FormData): Promise<CodeState> {
  const params = await readRequest(form)
  const step = await stepFor(params, form.get('need') === 'enrol' ? 'enrol' : 'code')
  const attempt = previous.attempt + 1
  const code = String(form.get('code') ?? '')
  if (!code.trim()) return { message: (await getTranslations('factors.code'))('missing'), attempt }
  const outcome = await runSecondStep(step, code)
  if (outcome.kind === 'database_unavailable') redirect(problemPath('database_unavailable', params))
  if (outcome.kind === 'refused') {
    const problem = outcome.check.reason === 'throttled' ? 'throttled' : 'credentials_refused'
    await recordSourceFailure(params, step.source, problem, `the second factor was refused (${outcome.check.reason})`)
    return { message: outcome.message, attempt }
  }
  const { signedIn } = outcome
  if (signedIn.outcome !== 'signed_in') redirect(problemPath('account_unavailable'))
  if (outcome.recoveryCodes) return { attempt, recoveryCodes: outcome.recoveryCodes }
  return complete(params, signedIn.identity, signedIn.signedInAt)
}
