import type { LoginRequestParams } from '@/lib/login/request'
import { buttonPrimary } from '../ui'
import { continueAction } from './actions'
import { ArmedButton } from './armed-button'
import { Hidden } from './hidden'

/** Completes the login request as the person signed in to the bridge ("Continue as"). */
export function ContinueForm({ params, served, label }: { params: LoginRequestParams; served: string; label: string }) {
  return (
    <form action={continueAction}>
      <Hidden {...params} served={served} />
      <ArmedButton className={buttonPrimary}>{label}</ArmedButton>
    </form>
  )
}
