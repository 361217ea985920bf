import { test, expect } from './fixtures'
import { APP_URL, METRICS_TOKEN } from './support/config'
import { auditRowsFor, signInAsAdmin } from './support/admin'
import { setMailFault, waitForMail, mailTo } from './support/mail'
import { askForReset, outboxRowsFor } from './support/reset'
import { createUser } from './support/users'

// Case 55 from the operator's side: a message the mail server refused for good is not lost. It is
// kept as failed, counted in /api/metrics, shown at /admin/mail, and "Send again" (an audited,
// same-origin admin action) sends it once the server takes it.

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const response = await fetch(`${APP_URL}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',')
  const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name}{${wanted}}`))
  return line ? Number(line.split(' ').pop()) : 0
}

test.describe('the mail outbox in the admin area', () => {
  test('case 55: a message refused for good (550) is kept as failed, shown at /admin/mail, and sent again by an admin', async ({
    page,
    browser,
  }) => {
    const admin = await createUser({ admin: true, prefix: 'mail-admin' })
    const person = await createUser({ prefix: 'mail-refused' })
    const failedBefore = await metricValue('bridge_mail_attempts_total', { kind: 'password_reset', result: 'failed' })

    const asker = await browser.newContext()
    const askerPage = await asker.newPage()
    await setMailFault({ mode: 'refuse' })
    try {
      await askerPage.goto(`${APP_URL}/login/forgot`)
      await askForReset(askerPage, person.email)
      await expect.poll(async () => (await outboxRowsFor(person.email)).map((row) => row.status), { timeout: 15_000 }).toEqual(['failed'])
    } finally {
      await setMailFault({ mode: 'ok' })
      await asker.close()
    }
    const [failed] = await outboxRowsFor(person.email)
    expect(failed).toMatchObject({ kind: 'password_reset', attempts: 1, last_error: 'EENVELOPE 550' })
    expect(await mailTo(person.email)).toEqual([])
    expect(await metricValue('bridge_mail_attempts_total', { kind: 'password_reset', result: 'failed' })).toBe(failedBefore + 1)

    await signInAsAdmin(page, admin)
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Mail' }).click()
    await expect(page).toHaveURL(`${APP_URL}/admin/mail`)
    await expect(page.getByRole('heading', { name: 'Mail', level: 1 })).toBeVisible()
    const row = page.getByTestId('failed-mail').filter({ hasText: person.email })
    await expect(row).toContainText(failed!.id)
    await expect(row).toContainText('password_reset')
    await expect(row.getByTestId('failed-mail-error')).toHaveText('EENVELOPE 550')

    await row.getByRole('button', { name: 'Send again' }).click()
    // The page is refreshed: the message waits again, no longer among the failures.
    await expect(page.getByTestId('failed-mail').filter({ hasText: person.email })).toHaveCount(0)
    const mail = await waitForMail(person.email)
    expect(mail.subject).toBe('Reset your password')
    expect(mail.links.some((link) => /\/login\/reset\/[A-Za-z0-9_-]{43}$/.test(link))).toBe(true)
    await expect.poll(async () => (await outboxRowsFor(person.email)).map((r) => r.status)).toEqual(['sent'])
    const resends = (await auditRowsFor(person.email)).filter((r) => r.action === 'mail.resend')
    expect(resends).toEqual([expect.objectContaining({ actor: admin.email, action: 'mail.resend', target: person.email, ip: '127.0.0.1' })])
    expect(JSON.parse(resends[0]!.detail!)).toEqual({ message: failed!.id, kind: 'password_reset' })

    // Sent once is sent: the page lists it no more.
    await page.reload()
    await expect(page.getByTestId('failed-mail').filter({ hasText: person.email })).toHaveCount(0)
    expect(await metricValue('bridge_mail_attempts_total', { kind: 'password_reset', result: 'sent' })).toBeGreaterThanOrEqual(1)
  })

  test('case 55: /admin/mail is for admins only, and never cached', async ({ page }) => {
    const response = await page.goto(`${APP_URL}/admin/mail`)
    await expect(page).toHaveURL(new RegExp(`^${APP_URL}/admin/sign-in`))
    expect(response?.status()).toBe(200)
    const person = await createUser({ prefix: 'mail-nonadmin' })
    await page.goto(`${APP_URL}/admin/sign-in`)
    await page.getByLabel('Email').fill(person.email)
    await page.getByLabel('Password').fill(person.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.goto(`${APP_URL}/admin/mail`)
    await expect(page.getByRole('heading', { name: 'Mail', level: 1 })).toHaveCount(0)
    const admin = await createUser({ admin: true, prefix: 'mail-admin2' })
    await signInAsAdmin(page, admin)
    const own = await page.goto(`${APP_URL}/admin/mail`)
    expect(own?.headers()['cache-control']).toContain('no-store')
    await expect(page.getByTestId('mail-health')).toBeVisible()
  })
})
