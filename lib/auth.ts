import 'server-only'
import NextAuth, { CredentialsSignin, type NextAuthConfig } from 'next-auth'
import Credentials from 'next-auth/providers/credentials'
import { z } from 'zod'
import { getEnv } from './env'
import { getDb } from './db/client'
import { verifyCredentials } from './users'
import { PASSWORD_MAX_LENGTH } from './passwords'
import { logEvent } from './log'
import { sameOriginRedirect } from './redirects'

// next-auth (Auth.js v5) holds the bridge's own session: who is signed in here, from which
// identity source, since when. The local directory is the embedded default source.

export const LOCAL_SOURCE = 'local'
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60

const CredentialsInput = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4),
})

declare module 'next-auth' {
  interface Session {
    source?: string
    signedInAt?: number
  }
}

function buildConfig(): NextAuthConfig {
  const env = getEnv()
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    useSecureCookies: env.secure,
    // A wrong password is an expected outcome, not an error with a stack trace; other errors are
    // logged by name only, since Auth.js messages may quote request data.
    logger: {
      error(error) {
        const type = (error as { type?: string }).type ?? error.name
        if (type !== 'CredentialsSignin') logEvent('auth_error', { type })
      },
      warn(code) {
        logEvent('auth_warning', { code })
      },
      debug() {},
    },
    providers: [
      Credentials({
        id: LOCAL_SOURCE,
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(raw) {
          const input = CredentialsInput.safeParse(raw)
          if (!input.success) throw new CredentialsSignin()
          const user = await verifyCredentials(await getDb(), input.data.email, input.data.password)
          if (!user) throw new CredentialsSignin()
          return { id: user.id, email: user.email, name: user.name }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user, account }) {
        if (user && account) {
          token.sub = user.id
          token.source = account.provider
          token.signedInAt = Date.now()
        }
        return token
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub
        session.source = typeof token.source === 'string' ? token.source : undefined
        session.signedInAt = typeof token.signedInAt === 'number' ? token.signedInAt : undefined
        return session
      },
      redirect({ url, baseUrl }) {
        return sameOriginRedirect(url, baseUrl)
      },
    },
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig())
