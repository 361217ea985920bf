import type { Metadata } from 'next'
import { headers } from 'next/headers'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'Sign in', template: '%s · Sign in' },
  description: 'Sign in to connect an MCP client.',
  referrer: 'no-referrer',
  robots: { index: false, follow: false },
}

// Reading the request makes every page render per request, so each gets the nonce of its own CSP.
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await headers()
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">{children}</body>
    </html>
  )
}
