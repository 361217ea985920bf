import { openDatabase, type DatabaseHandle } from '../../lib/db'
import { accountKey } from '../../lib/auth/throttle'
import { sql } from 'kysely'
import { findLoginRequest, listLoginEvents, newLoginRequestRow, recordLoginReceived } from '../../lib/ledger/record'
import { DATABASE_URL } from './config'

// Reads the bridge's ledger directly, so a test can assert the exact row a login left behind, and
// the sign-in throttle's table, so a test can wait for the very end of a lock the bridge set.

let handle: Promise<DatabaseHandle> | undefined

function db() {
  handle ??= openDatabase(DATABASE_URL)
  return handle.then((h) => h.db)
}

export async function ledgerRow(loginRequestId: string) {
  return findLoginRequest(await db(), loginRequestId)
}

export async function ledgerEvents(loginRequestId: string): Promise<string[]> {
  return (await listLoginEvents(await db(), loginRequestId)).map((event) => event.type)
}

/** The detail the ledger keeps with the last event of a type (as the admin timeline shows it). */
export async function ledgerEventDetail(loginRequestId: string, type: string): Promise<Record<string, unknown> | null | undefined> {
  const event = (await listLoginEvents(await db(), loginRequestId)).findLast((e) => e.type === type)
  return event && (event.detail ? (JSON.parse(event.detail) as Record<string, unknown>) : null)
}

/** When the bridge's lock on an account's sign-ins ends, epoch ms; null when it holds no lock. */
export async function accountLockedUntil(email: string): Promise<number | null> {
  const row = await (
    await db()
  )
    .selectFrom('sign_in_throttle')
    .select('locked_until')
    .where('key', '=', accountKey(email))
    .executeTakeFirst()
  return row?.locked_until ?? null
}

/** A login request that arrived `ageMs` ago and was never finished, written straight into the ledger. */
export async function seedOldLoginRequest(loginRequestId: string, ageMs: number): Promise<void> {
  await recordLoginReceived(
    await db(),
    {
      loginRequestId,
      connectionId: 'conn_e2e00000001',
      serverKey: 'default',
      stateHash: 'not-a-real-state-hash',
      ttlSeconds: 600,
      ip: '192.0.2.1',
      userAgent: 'e2e',
    },
    Date.now() - ageMs,
  )
}

/** `count` completed login requests `lri_<prefix>_<n>`, one millisecond apart from `from` on, written straight into the ledger. */
export async function seedCompletedLoginRequests(prefix: string, count: number, from: number): Promise<void> {
  const database = await db()
  for (let start = 0; start < count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - start) }, (_, i) => {
      const n = start + i
      const row = newLoginRequestRow({
        id: `lri_${prefix}_${String(n).padStart(6, '0')}`,
        connectionId: 'conn_e2e00000001',
        serverKey: 'default',
        stateHash: 'not-a-real-state-hash',
        createdAt: from + n,
        expiresAt: from + n + 600_000,
        ip: '192.0.2.1',
        userAgent: 'e2e',
      })
      return { ...row, status: 'completed' as const, finished_at: from + n + 500, identity_source: 'local', user_sub: `sub-${n}` }
    })
    await database.insertInto('login_requests').values(rows).execute()
  }
}

/**
 * On PostgreSQL, the bridge's sessions in the middle of an export's read (a cursor holding a
 * pooled connection: the export's select, the only one without a limit); null on SQLite.
 */
export async function exportsReadingNow(): Promise<number | null> {
  if (!/^postgres(ql)?:/.test(DATABASE_URL)) return null
  const result = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'
      and query like '%from "login_requests"%' and query like '%order by "created_at" desc, "id" desc' `.execute(await db())
  return result.rows[0]!.n
}
