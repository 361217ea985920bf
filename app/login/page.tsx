import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { findServer } from '@/lib/servers'
import { LoginScreen } from './login-screen'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('login'))('title') }
}

/** /login: the default MCP server's sign-in page (proxy.ts answers 404 when there is none). */
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const server = findServer(undefined)
  if (!server) notFound()
  return <LoginScreen server={server} query={await searchParams} />
}
