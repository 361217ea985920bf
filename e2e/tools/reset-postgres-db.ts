import pg from 'pg'

// Recreates an empty PostgreSQL database for the e2e suite. Exit 3 means "no server here".
async function main() {
  const target = new URL(process.argv[2] ?? '')
  const name = target.pathname.slice(1)
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`refusing to reset database "${name}"`)
  const admin = new URL(target)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
  } catch (error) {
    console.error(`PostgreSQL at ${admin.host} is not reachable: ${error instanceof Error ? error.message : error}`)
    process.exit(3)
  }
  await client.query(`drop database if exists ${name} with (force)`)
  await client.query(`create database ${name}`)
  await client.end()
  console.log(`Reset PostgreSQL database ${name}.`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
