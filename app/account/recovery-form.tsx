'use client'

import { useActionState } from 'react'
import { buttonSecondary } from '../ui'
import { RecoveryCodes, type RecoveryCodesWords } from '../recovery-codes'
import { newRecoveryCodesAction } from './actions'
import type { CodeState } from '../second-step-core'

const initial: CodeState = { attempt: 0 }

/** "Make new recovery codes": the old ones stop working, the new ones are shown once. */
export function NewRecoveryCodesForm({ words }: { words: { button: string; recovery: RecoveryCodesWords } }) {
  const [result, action, pending] = useActionState(newRecoveryCodesAction, initial)
  return (
    <div className="mt-3 space-y-3">
      {result.recoveryCodes ? <RecoveryCodes codes={result.recoveryCodes} words={words.recovery} /> : null}
      <form action={action}>
        <button type="submit" className={buttonSecondary} disabled={pending}>
          {words.button}
        </button>
      </form>
    </div>
  )
}
