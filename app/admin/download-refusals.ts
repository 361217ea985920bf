import { NextResponse } from 'next/server'
import { ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'

// The answers of the admin area's downloads (the ledger's, the audit log's) when they cannot give one.

export function unavailable() {
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
