import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js'
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { randomToken } from './http-helpers'

export interface InMemoryOAuthProviderOptions {
  redirectUrl: string
  clientName: string
  scope?: string
}

/** An MCP client's OAuth memory for one login: DCR result, PKCE verifier, state and tokens. */
export class InMemoryOAuthProvider implements OAuthClientProvider {
  /** The state this client sends to /oauth/authorize and expects back on its redirect. */
  readonly expectedState = randomToken(24)
  authorizationUrl: URL | undefined
  private clientInfo: OAuthClientInformationMixed | undefined
  private savedTokens: OAuthTokens | undefined
  private verifier: string | undefined
  private discovery: OAuthDiscoveryState | undefined

  constructor(private readonly options: InMemoryOAuthProviderOptions) {}

  get redirectUrl(): string {
    return this.options.redirectUrl
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName,
      redirect_uris: [this.options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.options.scope ? { scope: this.options.scope } : {}),
    }
  }

  state(): string {
    return this.expectedState
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.clientInfo
  }

  saveClientInformation(clientInformation: OAuthClientInformationMixed): void {
    this.clientInfo = clientInformation
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.authorizationUrl = authorizationUrl
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE code verifier: the authorization was not started')
    return this.verifier
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.clientInfo = undefined
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined
  }
}
