import type { AccountHolder } from '@/lib/factors/account'
import { wouldLeaveNoFactor } from '@/lib/factors/account'
import { AddPasskeyForm, RenamePasskeyForm } from './passkey-forms'
import { removePasskeyAction } from './passkey-actions'

function when(ms: number | null): string {
  return ms === null ? 'never' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** The person's passkeys: add, name and remove them. */
export function PasskeysSection({ holder }: { holder: AccountHolder }) {
  const { passkeys } = holder.factors
  const removable = !wouldLeaveNoFactor(holder.factors, 'passkey')
  return (
    <section id="passkeys" className="mt-8" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading" className="text-base font-semibold text-slate-900">
        Passkeys
      </h2>
      <p data-testid="passkey-count" className="mt-1 text-sm text-slate-700">
        {passkeys.length === 0
          ? 'None yet. A passkey signs you in with your device’s screen lock, without a password.'
          : `${passkeys.length} passkey(s).`}
      </p>
      <ul className="mt-3 space-y-4">
        {passkeys.map((passkey) => (
          <li key={passkey.id} data-testid="passkey" className="rounded-lg border border-slate-200 p-3">
            <p className="text-sm font-medium text-slate-900" data-testid="passkey-name">
              {passkey.name}
            </p>
            <p className="text-xs text-slate-600" data-testid="passkey-last-used">
              {passkey.device_type === 'multiDevice' ? 'Synced' : 'This device only'} · added {when(passkey.created_at)} · last used{' '}
              {when(passkey.last_used_at)}
            </p>
            <RenamePasskeyForm id={passkey.id} name={passkey.name} />
            {removable ? (
              <form action={removePasskeyAction} className="mt-2">
                <input type="hidden" name="id" value={passkey.id} />
                <button type="submit" className="text-sm text-red-700 underline-offset-4 hover:underline">
                  Remove {passkey.name}
                </button>
              </form>
            ) : null}
          </li>
        ))}
      </ul>
      <AddPasskeyForm />
    </section>
  )
}
