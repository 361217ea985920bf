import { migrateToLatest, openDatabase } from '../lib/db'

// Applies pending migrations to DATABASE_URL (the server also does this at start-up).
async function main() {
  const handle = await openDatabase(process.env.DATABASE_URL || undefined)
  try {
    const applied = await migrateToLatest(handle)
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.')
  } finally {
    await handle.db.destroy()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
