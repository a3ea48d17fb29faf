import { describe, expect, it } from 'vitest'
import { decodeLogsJson } from './decode-json'

/*
 * The JSON readers join a value's path only when they report a problem (decode-json.ts `at`):
 * each message must still name the exact place, through arrays, key-value lists and records.
 */
const body = (second: unknown) => JSON.stringify({
  resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'idp' } }] }, scopeLogs: [{ scope: { name: 's' }, logRecords: [{ timeUnixNano: '1' }, second] }] }],
})
const R = 'resourceLogs[0].scopeLogs[0].logRecords[1]'
const refusal = (second: unknown): string => {
  try {
    decodeLogsJson(body(second))
    return 'accepted'
  } catch (err) {
    return (err as Error).message.replace('invalid OTLP JSON at ', '')
  }
}

describe('OTLP/JSON problem paths', () => {
  it.each([
    [{ attributes: [{ key: 'a', value: { stringValue: 'b' } }, { key: 7, value: { stringValue: 'c' } }] }, `${R}.attributes[1].key: expected a string`],
    [{ timeUnixNano: 'soon' }, `${R}.timeUnixNano: expected unsigned nanoseconds`],
    [{ body: { intValue: '1.5' } }, `${R}.body.intValue: expected an integer`],
    [{ attributes: [{ key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { boolValue: 'yes' }] } } }] }, `${R}.attributes[0].value.arrayValue.values[1].boolValue: expected true or false`],
    [{ attributes: [{ key: 'a', value: { kvlistValue: { values: [{ key: 'k', value: { doubleValue: 'NaNx' } }] } } }] }, `${R}.attributes[0].value.kvlistValue.values[0].value.doubleValue: expected a number`],
    [{ traceId: 'zz' }, `${R}.traceId: expected a hex id`],
    [{ attributes: { a: 1 } }, `${R}.attributes: expected an array`],
    [{ attributes: [{ key: 'a', value: 'plain' }] }, `${R}.attributes[0].value: expected an object`],
    [{ attributes: [{ key: 'a', value: { stringValue: 5 } }] }, `${R}.attributes[0].value.stringValue: expected a string`],
    [{ severityNumber: 'high' }, `${R}.severityNumber: expected an integer`],
    ['not a record', `${R}: expected an object`],
    [{ attributes: [{ key: 'a', value: { stringValue: 'b' } }] }, 'accepted'],
  ])('%j → %s', (second, expected) => {
    expect(refusal(second)).toBe(expected)
  })

  it('names the string that is not Unicode text, in a key, a nested value and a field', () => {
    const invalid = (second: unknown) => decodeLogsJson(body(second))[0].scopes[0].items[1].invalid
    expect(invalid({ attributes: [{ key: 'ok', value: { stringValue: 'x' } }, { key: '\ud800', value: { stringValue: 'y' } }] })).toBe(`${R}.attributes[1].key is not valid Unicode text (a lone surrogate)`)
    expect(invalid({ attributes: [{ key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: '\udc00' }] } } }] })).toBe(`${R}.attributes[0].value.arrayValue.values[1].stringValue is not valid Unicode text (a lone surrogate)`)
    expect(invalid({ severityText: '\ud800' })).toBe(`${R}.severityText is not valid Unicode text (a lone surrogate)`)
    expect(invalid({ attributes: [{ key: 'a', value: { stringValue: 'fine' } }] })).toBeUndefined()
  })
})
