import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { findServer } from '@/lib/servers'
import { LoginScreen } from '../login-screen'

type Props = {
  params: Promise<{ server: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const server = findServer((await params).server)
  if (!server) return { title: (await getTranslations('pages'))('notFound.title') }
  return { title: (await getTranslations('login'))('titleForServer', { server: server.name }) }
}

/** /login/{key}: the sign-in page of one MCP server listed in MCP_SERVERS. */
export default async function ServerLoginPage({ params, searchParams }: Props) {
  const { server: key } = await params
  const server = findServer(key)
  if (!server) notFound()
  return <LoginScreen server={server} serverKey={key} query={await searchParams} />
}
