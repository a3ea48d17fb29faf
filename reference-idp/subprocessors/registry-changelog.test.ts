import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { DEFAULT_REGISTRY_PATH, type Registry, loadRegistry, parseRegistry } from '../../dashboards/schema/registry'
import { changelogCovers, diffRegistries } from './registry-changelog'

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
    expect(changelogCovers(base)).toEqual([])
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

  // CI gate: a change to the registry file must come with its change-log entries.
  const committed = (() => {
    try {
      return execFileSync('git', ['show', 'HEAD:dashboards/subprocessors.yaml'], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    } catch {
      return undefined
    }
  })()
  it.skipIf(committed === undefined)('the working copy records every change since the committed registry', () => {
    const prev = parseRegistry(committed!, 'HEAD:dashboards/subprocessors.yaml')
    expect(changelogCovers(loadRegistry(DEFAULT_REGISTRY_PATH), prev, NOW)).toEqual([])
  })
})
