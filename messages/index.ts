// Every locale's built-in messages, one file per namespace (messages/{locale}/{namespace}.json).
// Generated list: a namespace is added here for every locale at once.

import en_common from './en/common.json'
import en_login from './en/login.json'
import en_problems from './en/problems.json'
import en_factors from './en/factors.json'
import en_account from './en/account.json'
import en_invite from './en/invite.json'
import en_pages from './en/pages.json'
import en_crash from './en/crash.json'
import en_mail from './en/mail.json'
import en_reset from './en/reset.json'
import en_addresses from './en/addresses.json'
import en_alerts from './en/alerts.json'
import de_common from './de/common.json'
import de_login from './de/login.json'
import de_problems from './de/problems.json'
import de_factors from './de/factors.json'
import de_account from './de/account.json'
import de_invite from './de/invite.json'
import de_pages from './de/pages.json'
import de_crash from './de/crash.json'
import de_mail from './de/mail.json'
import de_reset from './de/reset.json'
import de_addresses from './de/addresses.json'
import de_alerts from './de/alerts.json'
import fr_common from './fr/common.json'
import fr_login from './fr/login.json'
import fr_problems from './fr/problems.json'
import fr_factors from './fr/factors.json'
import fr_account from './fr/account.json'
import fr_invite from './fr/invite.json'
import fr_pages from './fr/pages.json'
import fr_crash from './fr/crash.json'
import fr_mail from './fr/mail.json'
import fr_reset from './fr/reset.json'
import fr_addresses from './fr/addresses.json'
import fr_alerts from './fr/alerts.json'
import es_common from './es/common.json'
import es_login from './es/login.json'
import es_problems from './es/problems.json'
import es_factors from './es/factors.json'
import es_account from './es/account.json'
import es_invite from './es/invite.json'
import es_pages from './es/pages.json'
import es_crash from './es/crash.json'
import es_mail from './es/mail.json'
import es_reset from './es/reset.json'
import es_addresses from './es/addresses.json'
import es_alerts from './es/alerts.json'
import ja_common from './ja/common.json'
import ja_login from './ja/login.json'
import ja_problems from './ja/problems.json'
import ja_factors from './ja/factors.json'
import ja_account from './ja/account.json'
import ja_invite from './ja/invite.json'
import ja_pages from './ja/pages.json'
import ja_crash from './ja/crash.json'
import ja_mail from './ja/mail.json'
import ja_reset from './ja/reset.json'
import ja_addresses from './ja/addresses.json'
import ja_alerts from './ja/alerts.json'
import ptBR_common from './pt-BR/common.json'
import ptBR_login from './pt-BR/login.json'
import ptBR_problems from './pt-BR/problems.json'
import ptBR_factors from './pt-BR/factors.json'
import ptBR_account from './pt-BR/account.json'
import ptBR_invite from './pt-BR/invite.json'
import ptBR_pages from './pt-BR/pages.json'
import ptBR_crash from './pt-BR/crash.json'
import ptBR_mail from './pt-BR/mail.json'
import ptBR_reset from './pt-BR/reset.json'
import ptBR_addresses from './pt-BR/addresses.json'
import ptBR_alerts from './pt-BR/alerts.json'

export const BUILT_IN_MESSAGES = {
  en: {
    common: en_common,
    login: en_login,
    problems: en_problems,
    factors: en_factors,
    account: en_account,
    invite: en_invite,
    pages: en_pages,
    crash: en_crash,
    mail: en_mail,
    reset: en_reset,
    addresses: en_addresses,
    alerts: en_alerts,
  },
  de: {
    common: de_common,
    login: de_login,
    problems: de_problems,
    factors: de_factors,
    account: de_account,
    invite: de_invite,
    pages: de_pages,
    crash: de_crash,
    mail: de_mail,
    reset: de_reset,
    addresses: de_addresses,
    alerts: de_alerts,
  },
  fr: {
    common: fr_common,
    login: fr_login,
    problems: fr_problems,
    factors: fr_factors,
    account: fr_account,
    invite: fr_invite,
    pages: fr_pages,
    crash: fr_crash,
    mail: fr_mail,
    reset: fr_reset,
    addresses: fr_addresses,
    alerts: fr_alerts,
  },
  es: {
    common: es_common,
    login: es_login,
    problems: es_problems,
    factors: es_factors,
    account: es_account,
    invite: es_invite,
    pages: es_pages,
    crash: es_crash,
    mail: es_mail,
    reset: es_reset,
    addresses: es_addresses,
    alerts: es_alerts,
  },
  ja: {
    common: ja_common,
    login: ja_login,
    problems: ja_problems,
    factors: ja_factors,
    account: ja_account,
    invite: ja_invite,
    pages: ja_pages,
    crash: ja_crash,
    mail: ja_mail,
    reset: ja_reset,
    addresses: ja_addresses,
    alerts: ja_alerts,
  },
  'pt-BR': {
    common: ptBR_common,
    login: ptBR_login,
    problems: ptBR_problems,
    factors: ptBR_factors,
    account: ptBR_account,
    invite: ptBR_invite,
    pages: ptBR_pages,
    crash: ptBR_crash,
    mail: ptBR_mail,
    reset: ptBR_reset,
    addresses: ptBR_addresses,
    alerts: ptBR_alerts,
  },
} as const
