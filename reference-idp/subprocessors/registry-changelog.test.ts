import { describe, expect, it } from 'vitest'
import { DEFAULT_REGISTRY_PATH, type Registry, loadRegistry } from '../../dashboards/schema/registry'
import { changelogCovers, changelogMismatches, diffRegistries, replayChangelog } from './registry-changelog'

const NOW = Date.parse('2026-11-23T12:00:00Z')
const base = loadRegistry()
const clone = (): Registry => structuredClone(base)
const vendor = (r: Registry, id: string) => r.vendors.find((v) => v.id === id)!

describe('diffRegistries', () => {
  it.each<[string, (r: Registry) => void, { vendor: string; kind: string; summary: string }[]]>([
    ['no change', () => {}, []],
    [
      'vendor added',
      (r) => r.vendors.push({ ...vendor(r, 'vonage'), id: 'sinch', legalName: 'Sinch AB' }),
      [{ vendor: 'sinch', kind: 'added', summary: 'Sinch AB added for sms in eu-west, us-east; data: phone_number, message_content' }],
    ],
    ['vendor removed', (r) => (r.vendors = r.vendors.filter((v) => v.id !== 'apns')), [{ vendor: 'apns', kind: 'removed', summary: 'Apple Inc. removed (was push in eu-west, us-east)' }]],
    ['channel added', (r) => vendor(r, 'twilio').channels.push('voice'), [{ vendor: 'twilio', kind: 'channels_changed', summary: 'channels: added voice' }]],
    ['region removed', (r) => (vendor(r, 'ses').regions = ['eu-west']), [{ vendor: 'ses', kind: 'regions_changed', summary: 'regions: removed us-east' }]],
    [
      'data categories swapped',
      (r) => (vendor(r, 'fcm').dataCategories = ['device_token', 'message_content', 'phone_number']),
      [{ vendor: 'fcm', kind: 'data_categories_changed', summary: 'data categories: added phone_number; removed ip_address' }],
    ],
    ['cost change is not a scope change', (r) => (vendor(r, 'twilio').costMicrosPerMessage = 1), []],
  ])('%s', (_name, edit, expected) => {
    const next = clone()
    edit(next)
    expect(diffRegistries(base, next, NOW)).toEqual(expected.map((e) => ({ date: '2026-11-23', ...e })))
  })
})

describe('changelogCovers', () => {
  it('the committed registry records every vendor it lists', () => {
    expect(changelogCovers(base, undefined, NOW)).toEqual([])
  })

  it('a vendor without an added entry is reported', () => {
    const r = clone()
    r.changelog = r.changelog.filter((c) => !(c.vendor === 'ses' && c.kind === 'added'))
    expect(changelogCovers(r, undefined, NOW)).toMatchObject([{ vendor: 'ses', kind: 'added' }])
  })

  it('a scope change since the previous version needs a new entry', () => {
    const next = clone()
    vendor(next, 'twilio').regions = ['eu-west']
    expect(changelogCovers(next, base, NOW)).toMatchObject([{ vendor: 'twilio', kind: 'regions_changed', summary: 'regions: removed us-east' }])
    next.changelog.push({ date: '2026-11-23', vendor: 'twilio', kind: 'regions_changed', summary: 'regions: removed us-east (US traffic moved to Vonage)' })
    expect(changelogCovers(next, base, NOW)).toEqual([])
  })

  it('an old entry of the same kind does not cover a new change', () => {
    const next = clone()
    vendor(next, 'vonage').regions = ['eu-west']
    // vonage already has a 2026-09-01 regions_changed entry from the previous version
    expect(changelogCovers(next, base, NOW)).toMatchObject([{ vendor: 'vonage', kind: 'regions_changed' }])
  })

  it('a new vendor needs its added entry', () => {
    const next = clone()
    next.vendors.push({ ...vendor(next, 'vonage'), id: 'sinch', legalName: 'Sinch AB' })
    expect(changelogCovers(next, base, NOW)).toMatchObject([{ vendor: 'sinch', kind: 'added' }])
  })
})

/*
 * The gate. It used to compare the working copy with HEAD, which a clean checkout (CI) always
 * passes: a scope change committed without its entry was never caught. What the change log
 * means is "this is how each vendor's scope came to be", so the gate replays it and compares the
 * result with the file as it is: a vendor, channel, region or data category that the file has
 * and the log does not (or the other way round) fails, committed or not, on any checkout.
 */
describe('changelogMismatches (the gate on dashboards/subprocessors.yaml)', () => {
  it('the shipped registry is exactly what its change log adds up to', () => {
    const r = loadRegistry(DEFAULT_REGISTRY_PATH)
    expect(changelogMismatches(r)).toEqual([])
    // Not vacuous: the replay found every vendor, with the later changes applied.
    const { scopes } = replayChangelog(r.changelog)
    expect([...scopes.keys()].sort()).toEqual(r.vendors.map((v) => v.id).sort())
    expect(scopes.get('vonage')?.regions).toEqual(['eu-west', 'us-east']) // added in eu-west, us-east on 2026-09-01
    expect(scopes.get('fcm')?.channels).toEqual(['push']) // "push (Android)": the note is not a channel
  })

  it.each<[string, (r: Registry) => void, string[]]>([
    ['a region dropped without an entry', (r) => (vendor(r, 'twilio').regions = ['eu-west']), ['vendors.twilio.regions: the file says [eu-west], the change log adds up to [eu-west, us-east]; record a regions_changed entry']],
    ['a data category added without an entry', (r) => vendor(r, 'apns').dataCategories.push('ip_address'), [expect.stringMatching(/^vendors\.apns\.dataCategories: .*record a data_categories_changed entry$/)]],
    ['a vendor listed without its added entry', (r) => (r.changelog = r.changelog.filter((c) => c.vendor !== 'ses')), ['vendors.ses: no "added" entry in the change log']],
    ['a vendor dropped from the file but not from the log', (r) => (r.vendors = r.vendors.filter((v) => v.id !== 'sendgrid')), ['changelog: sendgrid is not in vendors; record its "removed" entry']],
    ['a change entry for a scope the vendor never had', (r) => r.changelog.push({ date: '2026-11-23', vendor: 'fcm', kind: 'regions_changed', summary: 'regions: removed ap-south' }), ['changelog[10] (2026-11-23 fcm regions_changed): removes ap-south, which fcm did not have']],
    ['a summary the replay cannot read', (r) => (r.changelog.find((c) => c.vendor === 'vonage' && c.kind === 'regions_changed')!.summary = 'US traffic now too'), [expect.stringContaining('summary not in the form "regions: added …; removed …"'), expect.stringMatching(/^vendors\.vonage\.regions: /)]],
  ])('%s is reported', (_name, edit, expected) => {
    const r = clone()
    edit(r)
    expect(changelogMismatches(r)).toEqual(expected)
  })

  it('a change recorded with its entry passes, and so does a recorded removal', () => {
    const r = clone()
    vendor(r, 'twilio').regions = ['eu-west']
    r.changelog.push({ date: '2026-11-23', vendor: 'twilio', kind: 'regions_changed', summary: 'regions: removed us-east (US traffic moved to Vonage)' })
    r.vendors = r.vendors.filter((v) => v.id !== 'sendgrid')
    r.changelog.push({ date: '2026-11-24', vendor: 'sendgrid', kind: 'removed', summary: 'Twilio SendGrid removed (was email in eu-west, us-east)' })
    expect(changelogMismatches(r)).toEqual([])
  })
})
