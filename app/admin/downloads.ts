import { NextResponse } from 'next/server'
import { ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { errorText, logEvent } from '@/lib/server/log'

// The admin area's downloads (the ledger's, the audit log's): the file, streamed, or why not.

/**
 * Opens the stream and answers with it as `<name>-<UTC time>.<extension>`, never cached; the
 * database failing to open it is the 503 answer.
 */
export async function download(
  open: () => Promise<ReadableStream<Uint8Array>>,
  file: { name: string; extension: 'csv' | 'jsonl' },
): Promise<NextResponse> {
  let body: ReadableStream<Uint8Array>
  try {
    body = await open()
  } catch (error) {
    logEvent('admin_database_unavailable', { error: errorText(error) })
    return unavailable()
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
  return new NextResponse(body, {
    headers: {
      'content-type': file.extension === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${file.name}-${stamp}.${file.extension}"`,
      'cache-control': 'no-store',
    },
  })
}

function unavailable() {
  return new NextResponse('Service unavailable: the ledger database cannot be reached. Try again in a moment.\n', {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' },
  })
}

export function refuseExport(reason: 'signed_out' | 'forbidden' | 'unavailable') {
  if (reason === 'signed_out') return NextResponse.redirect(new URL(ADMIN_SIGN_IN_PATH, getEnv().APP_URL), 303)
  if (reason === 'unavailable') return unavailable()
  return new NextResponse('Forbidden: you are not an administrator of this sign-in service.\n', {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}
