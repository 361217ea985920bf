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
import de_common from './de/common.json'
import de_login from './de/login.json'
import de_problems from './de/problems.json'
import de_factors from './de/factors.json'
import de_account from './de/account.json'
import de_invite from './de/invite.json'
import de_pages from './de/pages.json'
import de_crash from './de/crash.json'
import fr_common from './fr/common.json'
import fr_login from './fr/login.json'
import fr_problems from './fr/problems.json'
import fr_factors from './fr/factors.json'
import fr_account from './fr/account.json'
import fr_invite from './fr/invite.json'
import fr_pages from './fr/pages.json'
import fr_crash from './fr/crash.json'
import es_common from './es/common.json'
import es_login from './es/login.json'
import es_problems from './es/problems.json'
import es_factors from './es/factors.json'
import es_account from './es/account.json'
import es_invite from './es/invite.json'
import es_pages from './es/pages.json'
import es_crash from './es/crash.json'
import ja_common from './ja/common.json'
import ja_login from './ja/login.json'
import ja_problems from './ja/problems.json'
import ja_factors from './ja/factors.json'
import ja_account from './ja/account.json'
import ja_invite from './ja/invite.json'
import ja_pages from './ja/pages.json'
import ja_crash from './ja/crash.json'
import ptBR_common from './pt-BR/common.json'
import ptBR_login from './pt-BR/login.json'
import ptBR_problems from './pt-BR/problems.json'
import ptBR_factors from './pt-BR/factors.json'
import ptBR_account from './pt-BR/account.json'
import ptBR_invite from './pt-BR/invite.json'
import ptBR_pages from './pt-BR/pages.json'
import ptBR_crash from './pt-BR/crash.json'

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
  },
} as const
