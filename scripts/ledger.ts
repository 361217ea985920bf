import { parseArgs } from 'node:util'
import { migrateToLatest, openDatabase } from '../lib/db'
import { purgeLedger, purgeUntouched } from '../lib/ledger/retention'
import { purgeThrottle } from '../lib/auth/throttle'
import { purgeDeliveredAuditEvents } from '../lib/ledger/outbox/retention'
import { purgeMail } from '../lib/mail/retention'

// The ledger's maintenance command line. Run `purge` daily (cron, a scheduled job) to keep the
// ledger within its retention period. It reads only DATABASE_URL and LEDGER_RETENTION_DAYS, so it
// runs without the rest of the bridge's configuration.

const DAY_MS = 24 * 60 * 60 * 1000
const MIN_DAYS = 1
const MAX_DAYS = 3650
const DEFAULT_DAYS = 90

const USAGE = `Usage:
  npm run ledger -- purge [--days N]

purge   Deletes the login requests created more than N days ago, and their events
        (and audit stream events every receiver got before then).
        N: --days, else LEDGER_RETENTION_DAYS, else ${DEFAULT_DAYS}; a whole number from ${MIN_DAYS} to ${MAX_DAYS}.

Uses DATABASE_URL (unset: SQLite at .data/bridge.db).`

class UsageError extends Error {}

/** The same range lib/env.ts enforces for LEDGER_RETENTION_DAYS. */
function retentionDays(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const days = Number(value.trim())
  if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) {
    throw new UsageError(`${name} must be a whole number from ${MIN_DAYS} to ${MAX_DAYS} (got "${value}").`)
  }
  return days
}

function readCommand(): { days: number } {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { days: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const { positionals, values } = parsed
  const [command, ...rest] = positionals
  if (command !== 'purge') throw new UsageError(command ? `Unknown command "${command}".` : 'No command given.')
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`)
  const days =
    retentionDays(values.days, '--days') ?? retentionDays(process.env.LEDGER_RETENTION_DAYS, 'LEDGER_RETENTION_DAYS') ?? DEFAULT_DAYS
  return { days }
}

async function main(): Promise<number> {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(USAGE)
    return 0
  }
  let days: number
  try {
    ;({ days } = readCommand())
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`${error.message}\n\n${USAGE}`)
    return 2
  }
  const cutoff = Date.now() - days * DAY_MS
  const handle = await openDatabase(process.env.DATABASE_URL || undefined)
  try {
    await migrateToLatest(handle)
    const purged = await purgeLedger(handle.db, cutoff)
    const untouched = await purgeUntouched(handle.db)
    const throttleRows = await purgeThrottle(handle.db)
    const auditEvents = await purgeDeliveredAuditEvents(handle.db, cutoff)
    const mail = await purgeMail(handle.db, cutoff)
    console.log(
      `Purged ${purged.loginRequests} login requests and ${purged.events} events older than ${new Date(cutoff).toISOString()} (retention ${days} days), ${untouched.loginRequests} login requests nobody acted on (6 hours after they expired), and ${throttleRows} spent sign-in throttle entries.`,
    )
    if (auditEvents) console.log(`Purged ${auditEvents} audit events delivered before the cutoff.`)
    if (mail.messages + mail.links + mail.sightings) {
      console.log(
        `Purged ${mail.messages} mail messages finished before the cutoff, ${mail.links} email links spent a day ago, and ${mail.sightings} browsers or addresses not seen since the cutoff.`,
      )
    }
    return 0
  } finally {
    await handle.db.destroy()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  },
)
