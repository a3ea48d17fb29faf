import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT, TENANT_ATTRIBUTE } from '../../contract/access'
import { HttpError } from '../otlp/body'
import { ingestAuthorizer, stampTenant } from './ingest'

const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage

describe('ingest tokens', () => {
  it('without tokens every export is the default tenant', () => {
    expect(ingestAuthorizer(new Map())(req())).toEqual({ tenant: DEFAULT_TENANT })
  })
  it('with tokens: the token names the tenant; none or an unknown one is a 401 with a Bearer challenge', () => {
    const auth = ingestAuthorizer(new Map([['acme-token-0123456789', 'acme'], ['globex-token-012345678', 'globex']]))
    expect(auth(req('Bearer globex-token-012345678'))).toEqual({ tenant: 'globex' })
    for (const h of [undefined, 'Bearer nope-nope-nope-nope', 'Basic abc']) {
      const r = auth(req(h))
      expect(r, String(h)).toBeInstanceOf(HttpError)
      expect((r as HttpError).status).toBe(401)
      expect((r as HttpError).headers['www-authenticate']).toMatch(/^Bearer realm="factorwatch-ingest"/)
    }
  })
  it('stamps the tenant over whatever the payload claimed', () => {
    const blocks = [{ resource: { 'service.name': 'a', [TENANT_ATTRIBUTE]: 'evil' } }, { resource: {} as Record<string, unknown> }]
    expect(stampTenant(blocks, 'acme').map((b) => b.resource[TENANT_ATTRIBUTE])).toEqual(['acme', 'acme'])
  })
})
