import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import type { Env } from '../env'
import { logEvent } from '../server/log'
import { onShutdown } from '../server/shutdown'
import { MAIL_COMPOSERS } from './composers'
import { closeMailTransport } from './transport'
import { MailWorker } from './worker'

// Start-up (lib/server/startup.ts): this instance's mail worker, when email is on.

const WORKER = Symbol.for('byoa-bridge.mail-worker')

export function startMailWorker(db: Kysely<Database> | (() => Promise<Kysely<Database>>), env: Env): MailWorker | undefined {
  const holder = globalThis as { [WORKER]?: MailWorker }
  if (!env.mail || holder[WORKER]) return holder[WORKER]
  const worker = new MailWorker(db, env, env.mail, { composers: MAIL_COMPOSERS })
  holder[WORKER] = worker
  worker.start()
  onShutdown('mail-worker', async () => {
    await worker.stop()
    closeMailTransport()
  })
  logEvent('mail_worker_started', { worker: worker.owner, host: env.mail.host, port: env.mail.port })
  return worker
}
