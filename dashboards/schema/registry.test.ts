import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { DEFAULT_PROFILES, VENDOR_IDS } from '../../reference-idp/simulator/profiles'
import { DEFAULT_REGISTRY_PATH, loadRegistry, parseRegistry } from './registry'
import { certificationWarnings, fallbackChain } from './registry-queries'

const SOURCE = 'dashboards/subprocessors.yaml'
const original = readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')

/** The committed registry with one edit applied, as YAML text. */
function edited(edit: (doc: any) => void): string {
  const doc = parse(original)
  edit(doc)
  return stringify(doc)
}

describe('loadRegistry', () => {
  it('loads the committed registry', () => {
    const r = loadRegistry()
    expect(r.vendors.map((v) => v.id)).toEqual(['twilio', 'vonage', 'twilio-voice', 'vonage-voice', 'ses', 'sendgrid', 'fcm', 'apns'])
    expect(Object.fromEntries(r.vendors.map((v) => [v.id, v.legalName]))).toMatchObject({
      twilio: 'Twilio Inc.',
      vonage: 'Vonage Holdings Corp.',
      ses: 'Amazon Web Services, Inc.',
      sendgrid: 'Twilio SendGrid',
      fcm: 'Google LLC',
      apns: 'Apple Inc.',
    })
    expect(r.vendors.find((v) => v.id === 'fcm')!.slaAvailabilityPct).toBeNull()
  })

  it('names the same vendors, channels and regions as the provider simulator', () => {
    const r = loadRegistry()
    expect(r.vendors.map((v) => v.id).sort()).toEqual([...VENDOR_IDS].sort())
    for (const v of r.vendors) {
      const sim = DEFAULT_PROFILES[v.id as (typeof VENDOR_IDS)[number]]
      expect(v.channels, v.id).toEqual([sim.channel])
      expect([...v.regions].sort(), v.id).toEqual([...sim.regions].sort())
    }
  })

  it.each<[string, (doc: any) => void, string]>([
    ['missing legal name', (d) => delete d.vendors[1].legalName, `${SOURCE}: vendors[1].legalName: required`],
    ['empty legal name', (d) => (d.vendors[1].legalName = '  '), `${SOURCE}: vendors[1].legalName: must not be empty`],
    ['bad date format', (d) => (d.vendors[2].certifications[0].expires = '31/12/2027'), `${SOURCE}: vendors[2].certifications[0].expires: expected YYYY-MM-DD date`],
    ['impossible date', (d) => (d.vendors[2].certifications[0].expires = '2027-02-30'), `${SOURCE}: vendors[2].certifications[0].expires: expected YYYY-MM-DD date (not a calendar day)`],
    ['fallback to unknown vendor', (d) => (d.fallback[0].chain = ['twilio', 'messagebird']), `${SOURCE}: fallback[0].chain[1]: unknown vendor "messagebird"`],
    ['fallback to a vendor of another channel', (d) => (d.fallback[0].chain = ['twilio', 'ses']), `${SOURCE}: fallback[0].chain[1]: vendor "ses" does not serve channel sms`],
    ['fallback to a vendor outside the region', (d) => (d.vendors[1].regions = ['eu-west']), `${SOURCE}: fallback[1].chain[1]: vendor "vonage" does not serve region us-east`],
    ['duplicate id', (d) => (d.vendors[3].id = 'twilio'), `${SOURCE}: vendors[3].id: duplicate vendor id "twilio" (also vendors[0])`],
    ['unknown data category', (d) => (d.vendors[0].dataCategories = ['phone_number', 'ssn']), `${SOURCE}: vendors[0].dataCategories[1]:`],
    ['unknown fallback factor', (d) => (d.fallback[0].thenFactors = ['carrier_pigeon']), `${SOURCE}: fallback[0].thenFactors[0]:`],
    ['breaker ratio above 1', (d) => (d.vendors[4].breaker.failureRatio = 1.5), `${SOURCE}: vendors[4].breaker.failureRatio:`],
    ['served but unreachable', (d) => (d.fallback[0].chain = ['twilio']), `${SOURCE}: fallback: vendor "vonage" serves sms/eu-west but no fallback chain there names it`],
    ['changelog names an unknown vendor', (d) => d.changelog.push({ date: '2026-11-01', vendor: 'sinch', kind: 'added', summary: 'x' }), `${SOURCE}: changelog[10].vendor: unknown vendor "sinch"`],
    ['changelog out of order', (d) => d.changelog.push({ date: '2025-01-01', vendor: 'ses', kind: 'regions_changed', summary: 'x' }), `${SOURCE}: changelog[10].date: entries must be in date order`],
  ])('%s → names the field', (_name, edit, message) => {
    expect(() => parseRegistry(edited(edit), SOURCE)).toThrow(message)
  })

  it('names the file when it cannot be read or parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-registry-'))
    expect(() => loadRegistry(join(dir, 'missing.yaml'))).toThrow(`${join(dir, 'missing.yaml')}: cannot read registry: ENOENT`)
    writeFileSync(join(dir, 'bad.yaml'), 'vendors: [\n')
    expect(() => loadRegistry(join(dir, 'bad.yaml'))).toThrow(`${join(dir, 'bad.yaml')}: invalid YAML`)
  })
})

describe('fallbackChain', () => {
  const r = loadRegistry()
  it.each<[Parameters<typeof fallbackChain>, string[], string[]]>([
    [[r, 'sms', 'eu-west'], ['twilio', 'vonage'], ['totp', 'voice']],
    [[r, 'voice', 'us-east'], ['vonage-voice', 'twilio-voice'], ['totp', 'sms']],
    [[r, 'email', 'us-east'], ['sendgrid', 'ses'], ['totp']],
    [[r, 'push', 'eu-west', 'ios'], ['apns'], ['totp', 'sms']],
    [[r, 'push', 'eu-west', 'android'], ['fcm'], ['totp', 'sms']],
    [[r, 'push', 'eu-west'], ['fcm', 'apns'], ['totp', 'sms']],
    [[r, 'sms', 'ap-south'], [], []],
  ])('%#', (args, vendors, factors) => {
    const chain = fallbackChain(...args)
    expect(chain.vendors.map((v) => v.id)).toEqual(vendors)
    expect(chain.thenFactors).toEqual(factors)
  })

  it('carries what adapters need: timeout and breaker', () => {
    const [first] = fallbackChain(r, 'sms', 'eu-west').vendors
    expect(first).toMatchObject({ timeoutMs: 3000, retryable: true, breaker: { failureRatio: 0.5, minimumRequests: 20 } })
  })
})

describe('certificationWarnings', () => {
  const r = loadRegistry()
  it('warns about the Vonage ISO 27001 certificate 22 days before it expires', () => {
    const w = certificationWarnings(r, new Date('2026-11-23T15:00:00Z'))
    expect(w.map((x) => [x.vendor, x.certification, x.daysLeft, x.severity])).toEqual([
      ['vonage', 'ISO/IEC 27001', 22, 'expiring'],
      ['vonage-voice', 'ISO/IEC 27001', 22, 'expiring'],
    ])
  })

  it.each([
    ['2026-11-23', 10, 0],
    ['2026-12-16', 60, 2],
    ['2028-06-01', 0, 16],
  ])('on %s within %d days: %d warnings', (day, days, count) => {
    const w = certificationWarnings(r, Date.parse(`${day}T00:00:00Z`), days)
    expect(w).toHaveLength(count)
    if (day === '2026-12-16') expect(w.every((x) => x.severity === 'expired' && x.daysLeft === -1)).toBe(true)
  })
})
