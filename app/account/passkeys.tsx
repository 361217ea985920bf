import { getFormatter, getTranslations } from 'next-intl/server'
import type { AccountHolder } from '@/lib/factors/account'
import { wouldLeaveNoFactor } from '@/lib/factors/account'
import { AddPasskeyForm, RenamePasskeyForm } from './passkey-forms'
import { removePasskeyAction } from './passkey-actions'
import { passkeyBrowserWords } from '../login/words'

type Passkey = AccountHolder['factors']['passkeys'][number]

/** The person's passkeys: add, name and remove them. */
export async function PasskeysSection({ holder }: { holder: AccountHolder }) {
  const { passkeys } = holder.factors
  const removable = !wouldLeaveNoFactor(holder.factors, 'passkey')
  const t = await getTranslations('account.passkeys')
  return (
    <section id="passkeys" className="mt-8" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading" className="text-base font-semibold text-slate-900">
        {t('heading')}
      </h2>
      <p data-testid="passkey-count" className="mt-1 text-sm text-slate-700">
        {passkeys.length === 0 ? t('none') : t('count', { count: passkeys.length })}
      </p>
      <ul className="mt-3 space-y-4">
        {passkeys.map((passkey) => (
          <PasskeyItem key={passkey.id} passkey={passkey} removable={removable} />
        ))}
      </ul>
      <AddPasskeyForm
        words={{
          nameLabel: t('nameLabel'),
          namePlaceholder: t('namePlaceholder'),
          add: t('add'),
          unsupported: t('unsupported'),
          browser: await passkeyBrowserWords(),
        }}
      />
    </section>
  )
}

/** One passkey: its name, kind and dates, renaming, and removing it when another factor is left. */
async function PasskeyItem({ passkey, removable }: { passkey: Passkey; removable: boolean }) {
  const t = await getTranslations('account.passkeys')
  const format = await getFormatter()
  // In the page's language and DISPLAY_TIME_ZONE (i18n/request.ts), with the zone named.
  const when = (ms: number | null) =>
    ms === null
      ? t('never')
      : format.dateTime(new Date(ms), {
          year: 'numeric',
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
          timeZoneName: 'short',
        })
  return (
    <li data-testid="passkey" className="rounded-lg border border-slate-200 p-3">
      <p className="text-sm font-medium text-slate-900" data-testid="passkey-name">
        {passkey.name}
      </p>
      <p className="text-xs text-slate-600" data-testid="passkey-last-used">
        {t('details', {
          kind: passkey.device_type === 'multiDevice' ? t('synced') : t('deviceOnly'),
          added: when(passkey.created_at),
          lastUsed: when(passkey.last_used_at),
        })}
      </p>
      <RenamePasskeyForm
        id={passkey.id}
        name={passkey.name}
        words={{ label: t('renameLabel', { name: passkey.name }), rename: t('rename') }}
      />
      {removable ? (
        <form action={removePasskeyAction} className="mt-2">
          <input type="hidden" name="id" value={passkey.id} />
          <button type="submit" className="text-sm text-red-700 underline-offset-4 hover:underline">
            {t('remove', { name: passkey.name })}
          </button>
        </form>
      ) : null}
    </li>
  )
}
