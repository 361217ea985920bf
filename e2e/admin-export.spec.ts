import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL } from './support/config'
import { createUser } from './support/users'
import { exportsReadingNow, seedCompletedLoginRequests } from './support/ledger'

// The ledger export on PostgreSQL reads a server-side cursor that holds one of the bridge's ten
// pooled connections for the whole download (lib/ledger/queries.ts). Whatever way a download ends,
// the connection goes back: here, browsers that go away after the first bytes, more of them than
// the pool has connections, and downloads left open and unread while the admin page is used.

const DAY_MS = 24 * 60 * 60 * 1000
const ROWS = 20_000
/** The bridge's cursors open now; none on SQLite, which reads the export in batches. */
const readingNow = async () => (await exportsReadingNow()) ?? 0

async function signInAsAdmin(page: Page) {
  const admin = await createUser({ admin: true, prefix: 'export-admin' })
  await page.goto('/admin/sign-in')
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password').fill(admin.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page).toHaveURL(/\/admin$/)
  await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
}

/** An export download as a browser makes it, with the admin's cookies: answered, with the first bytes of the body read. */
async function startDownload(page: Page, path: string) {
  const cookie = (await page.context().cookies(APP_URL)).map(({ name, value }) => `${name}=${value}`).join('; ')
  const controller = new AbortController()
  const response = await fetch(`${APP_URL}${path}`, { headers: { cookie }, redirect: 'manual', signal: controller.signal })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  const reader = response.body!.getReader()
  const first = await reader.read()
  expect(first.done).toBe(false)
  return {
    /** The browser going away: the connection closes with the rest of the file unread. */
    abandon: () => controller.abort(),
    async rest(): Promise<string> {
      const decoder = new TextDecoder()
      let text = decoder.decode(first.value, { stream: true })
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true })
      return text + decoder.decode()
    },
  }
}

test.describe('the ledger export gives its database connection back', () => {
  test('downloads abandoned after the first bytes and downloads left unread leave the pool to the admin pages', async ({ browser }) => {
    test.setTimeout(120_000)
    // A day of its own, long before the other cases' rows: only this case's rows are on it.
    const day = new Date(Math.floor((Date.now() - 40 * DAY_MS) / DAY_MS) * DAY_MS)
    const prefix = `export${Date.now()}`
    await seedCompletedLoginRequests(prefix, ROWS, day.getTime() + 60 * 60 * 1000)
    const dayText = day.toISOString().slice(0, 10)
    const newest = `lri_${prefix}_${String(ROWS - 1).padStart(6, '0')}`
    const path = `/admin/export?format=csv&from=${dayText}&to=${dayText}`
    const adminPage = await (await browser.newContext()).newPage()
    await signInAsAdmin(adminPage)

    // Twelve browsers, one after the other, go away after the first chunk of a 20,000-row export.
    for (let i = 0; i < 12; i += 1) (await startDownload(adminPage, path)).abandon()
    await expect.poll(readingNow, { timeout: 10_000 }).toBe(0)
    await adminPage.goto(`/admin?from=${dayText}&to=${dayText}`)
    await expect(adminPage.getByRole('link', { name: newest })).toBeVisible()

    // Three downloads stay open, unread; the admin page and a fourth, whole download go on meanwhile.
    const open = [await startDownload(adminPage, path), await startDownload(adminPage, path), await startDownload(adminPage, path)]
    expect(await readingNow()).toBeLessThanOrEqual(2)
    await adminPage.goto(`/admin?from=${dayText}&to=${dayText}&status=completed`)
    await expect(adminPage.getByTestId('ledger-row').first()).toBeVisible()
    const whole = (await (await startDownload(adminPage, path)).rest()).trimEnd().split('\r\n')
    expect(whole[0]).toMatch(/^login_request_id,status,server,/)
    const ours = whole.slice(1).filter((line) => line.startsWith(`"lri_${prefix}_`))
    expect(ours).toHaveLength(ROWS)
    expect(ours[0]).toMatch(new RegExp(`^"${newest}","completed","default",`))

    for (const download of open) download.abandon()
    await expect.poll(readingNow, { timeout: 10_000 }).toBe(0)
    await adminPage.goto('/admin')
    await expect(adminPage.getByTestId('admin-email')).toBeVisible()
  })
})
