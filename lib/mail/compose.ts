import 'server-only'
import type { Kysely } from 'kysely'
import type { Database, MailKind, MailRow } from '../db/schema'
import type { Env } from '../env'
import type { MailConfig } from './config'
import type { RenderedMail } from './templates'

// What the worker needs to write one kind of message. A composer reads the row (who, what),
// issues the link's token if the message has one (so no token ever waits in the outbox), and
// answers the message, or why there is nothing to send after all (no such account...).

interface ComposeContext {
  db: Kysely<Database>
  env: Env
  mail: MailConfig
  row: MailRow
  params: Record<string, unknown>
  now: number
}

type Composed = { send: RenderedMail } | { drop: string }

export type MailComposer = (context: ComposeContext) => Promise<Composed>

export type MailComposers = Partial<Record<MailKind, MailComposer>>
