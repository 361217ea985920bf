import { getTranslations } from 'next-intl/server'
import type { LoginRequestParams } from '@/lib/login/request'
import { buttonQuiet, buttonSecondary } from '../ui'
import { cancelAction, useAnotherAccountAction } from './actions'
import { Hidden } from './hidden'

/** "Use another account": signs out of the bridge and returns to the same login request. */
export async function UseAnotherAccountForm({ params, className }: { params: LoginRequestParams; className?: string }) {
  const t = await getTranslations('login')
  return (
    <form action={useAnotherAccountAction} className={className}>
      <Hidden {...params} />
      <button type="submit" className={buttonSecondary}>
        {t('useAnotherAccount')}
      </button>
    </form>
  )
}

/** "Cancel": Scalekit hears loginFailed, so the MCP client gets an answer instead of waiting. */
export async function CancelForm({ params }: { params: LoginRequestParams }) {
  const t = await getTranslations('login')
  return (
    <form action={cancelAction} className="mt-3">
      <Hidden {...params} />
      <button type="submit" className={buttonQuiet}>
        {t('cancel')}
      </button>
    </form>
  )
}
