// Runs once when the server starts: a misconfigured bridge refuses to start, with one message
// naming every bad key, instead of failing on the first login.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  const { getEnv, ConfigError } = await import('./lib/env')
  try {
    getEnv()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  const { getDb } = await import('./lib/db/client')
  const { logEvent } = await import('./lib/log')
  try {
    await getDb()
    logEvent('database_ready')
  } catch (error) {
    // Logins fail closed with a 503 page until the database answers; no restart is needed.
    logEvent('database_unavailable', { error: error instanceof Error ? error.message : String(error) })
  }
}
