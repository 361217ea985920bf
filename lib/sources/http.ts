import 'server-only'
import type { MappedIdentity } from './claims'
import type { SourceOfType } from './config'
import { askSource, type SourceFailure } from './call'

export type CredentialCheck =
  { outcome: 'accepted'; identity: MappedIdentity } | { outcome: 'refused' } | { outcome: 'failed'; failure: SourceFailure }

/**
 * Asks the company's credential API about one email and password. Its contract: 200 with a JSON
 * profile accepts, 401 refuses, anything else is a fault on its side (so a wrong shared secret,
 * answered with 403, is not mistaken for a wrong password).
 */
export async function checkCredentials(source: SourceOfType<'http'>, email: string, password: string): Promise<CredentialCheck> {
  const answer = await askSource({
    source,
    url: source.url,
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', [source.secretHeader]: source.secret },
      body: JSON.stringify({ email, password }),
    },
    isNo: (status) => status === 401,
  })
  if (answer.outcome === 'yes') return { outcome: 'accepted', identity: answer.identity }
  if (answer.outcome === 'no') return { outcome: 'refused' }
  return answer
}
