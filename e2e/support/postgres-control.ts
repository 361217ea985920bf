import { execFile } from 'node:child_process'
import fs from 'node:fs'
import pg from 'pg'

// Stops and starts the local PostgreSQL cluster for the database-outage case. Only where this
// machine runs the cluster the suite uses and may control it (root, Debian's pg_ctlcluster);
// anywhere else the case is skipped and says why.

export interface PostgresControl {
  stop(): Promise<void>
  start(): Promise<void>
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(),
    )
  })
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** The control, or the reason the outage case cannot run on this machine. */
export function postgresControl(databaseUrl: string): PostgresControl | { skip: string } {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl))
    return { skip: `the database outage needs PostgreSQL; this run's database is ${databaseUrl}` }
  const host = new URL(databaseUrl).hostname
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    return { skip: `PostgreSQL at ${host} is not this machine's; it cannot be stopped from here` }
  if (!fs.existsSync('/usr/bin/pg_ctlcluster') || !fs.existsSync('/etc/postgresql'))
    return { skip: 'no Debian pg_ctlcluster here to stop and start PostgreSQL' }
  if (process.getuid?.() !== 0) return { skip: 'stopping PostgreSQL needs root (pg_ctlcluster)' }
  const version = fs.readdirSync('/etc/postgresql').sort().at(-1)
  if (!version) return { skip: 'no cluster under /etc/postgresql' }
  const cluster = [version, 'main']
  return {
    async stop() {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster, 'stop', '--mode', 'fast'])
    },
    async start() {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster, 'start']).catch(async (error: Error) => {
        // Already running (a stop that did not happen): fine, as long as it answers below.
        if (!(await answers(databaseUrl))) throw error
      })
      const deadline = Date.now() + 30_000
      while (!(await answers(databaseUrl))) {
        if (Date.now() > deadline) throw new Error('PostgreSQL did not come back within 30 s')
        // The pause between two tries of a poll that ends when PostgreSQL answers.
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
  }
}
