// oidc-provider 8.x ships no type declarations and @types/oidc-provider is not a dependency, so
// this declares only the surface the test IdP uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface AccountClaims {
    sub: string
    [claim: string]: unknown
  }

  export interface Account {
    accountId: string
    claims(use: string, scope: string): AccountClaims | Promise<AccountClaims>
  }

  /** The part of a Koa context a middleware added with `provider.use` reads or writes. */
  export interface MiddlewareContext {
    method: string
    path: string
    status: number
    body: unknown
  }

  export interface Interaction {
    uid: string
    prompt: {
      name: string
      reasons: string[]
      details: {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
    }
    params: Record<string, unknown>
    session?: { accountId: string }
    grantId?: string
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export type InteractionResults =
    | { login: { accountId: string; amr?: string[]; acr?: string } }
    | { consent: { grantId?: string } }
    | { error: string; error_description?: string }

  export interface ClientMetadata {
    client_id: string
    client_secret: string
    redirect_uris: string[]
    grant_types?: string[]
    response_types?: string[]
    token_endpoint_auth_method?: string
    application_type?: 'web' | 'native'
  }

  export interface Configuration {
    clients?: ClientMetadata[]
    jwks?: { keys: Array<Record<string, unknown>> }
    cookies?: {
      keys?: string[]
      long?: Record<string, unknown>
      short?: Record<string, unknown>
    }
    claims?: Record<string, string[] | null>
    scopes?: string[]
    responseTypes?: string[]
    conformIdTokenClaims?: boolean
    pkce?: { required?: () => boolean; methods?: string[] }
    features?: Record<string, { enabled: boolean }>
    ttl?: Record<string, number>
    findAccount?: (ctx: unknown, sub: string) => Promise<Account | undefined>
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): Grant
      find(id: string): Promise<Grant | undefined>
    }
    use(middleware: (ctx: MiddlewareContext, next: () => Promise<void>) => Promise<void>): void
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    pathFor(routeName: string): string
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): this
  }

  export const errors: {
    SessionNotFound: new (description?: string) => Error
  }
}
