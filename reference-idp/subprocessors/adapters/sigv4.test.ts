import { describe, expect, it } from 'vitest'
import { signV4 } from './sigv4'

// AWS SigV4 test suite vectors (get-vanilla, post-vanilla).
const scope = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1', service: 'service', now: new Date('2015-08-30T12:36:00Z') }

describe('signV4', () => {
  it.each([
    ['GET', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['POST', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
  ])('%s vanilla', (method, signature) => {
    const h = signV4({ method, url: 'https://example.amazonaws.com/', headers: {}, body: '' }, scope)
    expect(h['x-amz-date']).toBe('20150830T123600Z')
    expect(h.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    )
  })

  it('signs the session token and content type', () => {
    const h = signV4({ method: 'POST', url: 'https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails', headers: { 'Content-Type': 'application/json' }, body: '{}' }, { ...scope, sessionToken: 'tok' })
    expect(h['x-amz-security-token']).toBe('tok')
    expect(h.authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,')
  })
})
