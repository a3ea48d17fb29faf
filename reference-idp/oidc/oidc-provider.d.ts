// oidc-provider v9 ships no type declarations: these describe the part of its API the IdP uses
// (checked against node_modules/oidc-provider/lib). Anything not listed here is not used.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface AdapterPayload {
    [key: string]: unknown
    grantId?: string
    userCode?: string
    uid?: string
    consumed?: number
  }
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>
    find(id: string): Promise<AdapterPayload | undefined>
    findByUid(uid: string): Promise<AdapterPayload | undefined>
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
    consume(id: string): Promise<void>
    destroy(id: string): Promise<void>
    revokeByGrantId(grantId: string): Promise<void>
  }

  export interface InteractionDetails {
    uid: string
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> }
    params: Record<string, unknown>
    session?: { accountId: string; uid: string; cookie: string }
    grantId?: string
    exp: number
  }

  export interface InteractionResults {
    login?: { accountId: string; amr?: string[]; acr?: string; ts?: number; remember?: boolean }
    consent?: { grantId?: string }
    error?: string
    error_description?: string
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    save(): Promise<string>
  }
  export interface GrantConstructor {
    new (o: { accountId: string; clientId: string }): Grant
    find(id: string): Promise<Grant | undefined>
  }

  /** The koa context with the provider's `oidc` bag (only what the IdP reads). */
  export interface KoaContextWithOIDC {
    req: IncomingMessage
    res: ServerResponse
    method: string
    path: string
    status: number
    body: unknown
    type: string
    host: string
    set(field: string, value: string | string[]): void
    append(field: string, value: string | string[]): void
    oidc: {
      route?: string
      client?: { clientId: string; clientName?: string }
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined }
      result?: InteractionResults
      requestParamScopes: Set<string>
      requestParamClaims: Set<string>
      params?: Record<string, unknown>
      provider: Provider
    } & Record<string, unknown>
  }

  export interface Account {
    accountId: string
    claims(use: string, scope: string, claims: unknown, rejected: string[]): Promise<Record<string, unknown>>
  }

  export interface ErrorOut { error: string; error_description?: string; [key: string]: unknown }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>)
    readonly issuer: string
    proxy: boolean
    Grant: GrantConstructor
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this
    on(event: string, listener: (...args: unknown[]) => void): this
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionResult(req: IncomingMessage, res: ServerResponse, result: InteractionResults, o?: { mergeWithLastSubmission?: boolean }): Promise<string>
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResults, o?: { mergeWithLastSubmission?: boolean }): Promise<void>
  }
  export const errors: Record<string, new (...args: unknown[]) => Error>
}
