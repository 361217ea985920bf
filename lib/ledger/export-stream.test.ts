import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { POSTGRES_POOL_MAX } from '../db'
import type { Database, LoginRequestsTable } from '../db/schema'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { newLoginRequestRow } from './record'
import { CSV_HEADER, csvLine, jsonLine } from './export'
import { openExportStream } from './export-stream'
import { parseJson, toItem, type LedgerExportRow } from './filter'
import { exportLedger, loadLedgerPage, MAX_CURSOR_EXPORTS } from './queries'

// The export's stream on both engines: the same bytes whichever way the rows are read (a
// PostgreSQL cursor, or keyset batches), and the connection a cursor holds goes back to the pool
// however the download ends.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL export stream tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false, connections: 1 },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null, connections: POSTGRES_POOL_MAX },
]

const MINUTE = 60 * 1000
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
/** Three rows per created_at (ties the order breaks by id), all within the default 7 days, a few chunks of 200 rows. */
const ROWS: LoginRequestsTable[] = Array.from({ length: 1000 }, (_, i) => {
  const createdAt = NOW - (Math.floor(i / 3) + 1) * MINUTE
  const row = newLoginRequestRow({
    id: `lri_${String((i * 7919) % 1000).padStart(4, '0')}`,
    connectionId: 'conn_1',
    serverKey: i % 4 === 0 ? 'billing' : 'default',
    stateHash: 'hash',
    createdAt,
    expiresAt: createdAt + 10 * MINUTE,
    ip: '203.0.113.7',
    userAgent: i % 5 === 0 ? '=cmd|"calc", Mozilla' : 'vitest',
  })
  if (i % 3 !== 0) return row
  const claims = { sub: `u${i}`, email: `p${i}@example.test`, groups: ['a', 'b'] }
  return { ...row, status: 'completed', user_sub: claims.sub, user_email: claims.email, claims: JSON.stringify(claims) }
})

/** What the export must give: every row newest first, ties by id, as the list shows it. */
const EXPECTED: LedgerExportRow[] = [...ROWS]
  .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
  .map((row) => Object.assign(toItem(row, NOW), { claims: parseJson(row.claims) }))

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true })
  return text + decoder.decode()
}

/** The first chunk only, with the reader still holding the stream. */
async function readFirstChunk(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader()
  const chunk = await reader.read()
  expect(chunk.done).toBe(false)
  return { reader, text: new TextDecoder().decode(chunk.value) }
}

/**
 * Takes `count` connections at once and gives them back: with one of them still held by an export
 * the last one waits, and the pool's connection timeout (3 s) fails the test.
 */
async function holdConnections(db: Kysely<Database>, count: number) {
  let arrived = 0
  let everyone!: () => void
  const together = new Promise<void>((resolve) => (everyone = resolve))
  await Promise.all(
    Array.from({ length: count }, () =>
      db.connection().execute(async (connection) => {
        await sql`select 1`.execute(connection)
        if ((arrived += 1) === count) everyone()
        await together
      }),
    ),
  )
  return arrived
}

/** This test database's PostgreSQL sessions in the middle of something: the open cursors. */
async function busySessions(db: Kysely<Database>): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where application_name = current_setting('application_name') and pid <> pg_backend_pid() and state <> 'idle'`.execute(db)
  return result.rows[0]!.n
}

for (const engine of engines) {
  describe.skipIf(engine.skip)(`the ledger export stream on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
      for (let i = 0; i < ROWS.length; i += 250)
        await handle.db
          .insertInto('login_requests')
          .values(ROWS.slice(i, i + 250))
          .execute()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('streams every row of the filter, newest first, byte for byte as CSV and as JSON lines', async () => {
      const csv = CSV_HEADER + EXPECTED.map(csvLine).join('')
      for (const batchSize of [7, 1000, undefined]) {
        expect(await readAll(await openExportStream(handle.db, {}, 'csv', { now: NOW, batchSize })), `batch ${batchSize}`).toBe(csv)
      }
      expect(await readAll(await openExportStream(handle.db, {}, 'jsonl', { now: NOW }))).toBe(EXPECTED.map(jsonLine).join(''))
      const billing = EXPECTED.filter((row) => row.serverKey === 'billing')
      expect(await readAll(await openExportStream(handle.db, { server: 'billing' }, 'csv', { now: NOW, batchSize: 50 }))).toBe(
        CSV_HEADER + billing.map(csvLine).join(''),
      )
      expect(await readAll(await openExportStream(handle.db, { from: NOW }, 'csv', { now: NOW }))).toBe(CSV_HEADER)
      expect(await readAll(await openExportStream(handle.db, { from: NOW - 1, to: NOW }, 'jsonl', { now: NOW }))).toBe('')
    })

    it('gives the connection back when the client goes away after the first chunk', async () => {
      for (let i = 0; i < engine.connections + 2; i += 1) {
        const { reader, text } = await readFirstChunk(await openExportStream(handle.db, {}, 'csv', { now: NOW, batchSize: 100 }))
        expect(text.startsWith(CSV_HEADER + csvLine(EXPECTED[0]!))).toBe(true)
        await reader.cancel()
        if (engine.name === 'postgres') await expect.poll(() => busySessions(handle.db)).toBe(0)
      }
      expect(await holdConnections(handle.db, engine.connections)).toBe(engine.connections)
    })

    it('gives the connection back when the client stops reading', async () => {
      for (let i = 0; i < MAX_CURSOR_EXPORTS + 1; i += 1) {
        const { reader } = await readFirstChunk(await openExportStream(handle.db, {}, 'jsonl', { now: NOW, idleMs: 50 }))
        await new Promise((resolve) => setTimeout(resolve, 150))
        await expect(reader.read()).rejects.toThrow(/read nothing of the export for 50 ms/)
      }
      expect(await holdConnections(handle.db, engine.connections)).toBe(engine.connections)
    })

    it('serves the admin page and further exports while exports hold their connections', async () => {
      const open = await Promise.all(
        Array.from({ length: MAX_CURSOR_EXPORTS + 1 }, async () =>
          readFirstChunk(await openExportStream(handle.db, {}, 'csv', { now: NOW, batchSize: 100 })),
        ),
      )
      // A connection an earlier case gave back may still be closing its cursor for a moment on a busy machine.
      if (engine.name === 'postgres') await expect.poll(() => busySessions(handle.db)).toBe(MAX_CURSOR_EXPORTS)
      const page = await loadLedgerPage(handle.db, {}, { now: NOW, servers: ['default', 'billing'] })
      expect(page.items[0]?.id).toBe(EXPECTED[0]!.id)
      expect(page.counts.completed).toBe(ROWS.filter((row) => row.status === 'completed').length)
      const rows: LedgerExportRow[] = []
      for await (const row of exportLedger(handle.db, {}, { now: NOW, batchSize: 64 })) rows.push(row)
      expect(rows).toEqual(EXPECTED)
      const rest = await Promise.all(open.map(async ({ reader, text }) => text + (await readRest(reader))))
      expect(rest).toEqual(open.map(() => CSV_HEADER + EXPECTED.map(csvLine).join('')))
      expect(await holdConnections(handle.db, engine.connections)).toBe(engine.connections)
    })
  })
}

describe.skipIf(pgSkipReason !== null)('the ledger export stream when PostgreSQL ends its connection', () => {
  let handle: TestDatabase
  beforeAll(async () => {
    handle = await openPostgresForTest()
    await handle.db.insertInto('login_requests').values(ROWS.slice(0, 500)).execute()
  })
  afterAll(async () => {
    await handle?.drop()
  })

  it('fails the download and the pool replaces the connection', async () => {
    const { reader } = await readFirstChunk(await openExportStream(handle.db, {}, 'csv', { now: NOW, batchSize: 100 }))
    // The export's session, holding its cursor (on a busy machine it may show a moment late).
    await expect.poll(() => busySessions(handle.db)).toBe(1)
    const ended = await sql<{ ended: boolean }>`
      select pg_terminate_backend(pid) as ended from pg_stat_activity
      where application_name = current_setting('application_name') and pid <> pg_backend_pid() and state <> 'idle'`.execute(handle.db)
    expect(ended.rows).toEqual([{ ended: true }])
    // pg-cursor alone would wait forever for the server's answer to closing the cursor.
    const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the download hung')), 5000).unref())
    // The server's own notice, or the socket failing under the next read's write when it came first.
    await expect(Promise.race([readRest(reader), hung])).rejects.toThrow(/terminating connection|write EPIPE|ECONNRESET/)
    expect(await holdConnections(handle.db, POSTGRES_POOL_MAX)).toBe(POSTGRES_POOL_MAX)
  })
})
