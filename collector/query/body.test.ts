import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readJsonBody } from './body'

const req = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage

describe('readJsonBody', () => {
  it.each([
    ['an object in pieces', ['{"a":', '1}'], {}, { ok: true, value: { a: 1 } }],
    ['empty, refused by default', [], {}, { ok: false, reply: { status: 400, body: { error: { code: 'invalid_parameter', message: 'body: expected a JSON object', parameter: 'body' } } } }],
    ['empty, null when allowed', [], { emptyAsNull: true }, { ok: true, value: null }],
    ['not JSON', ['{a'], {}, { ok: false, reply: { status: 400, body: { error: { code: 'invalid_parameter', message: 'body: expected a JSON object', parameter: 'body' } } } }],
    ['over the limit', ['{"a":"', 'x'.repeat(20), '"}'], {}, { ok: false, reply: { status: 413, body: { error: { code: 'body_too_large', message: 'request body exceeds 16 bytes' } } } }],
  ] as const)('%s', async (_name, chunks, opts, want) => {
    expect(await readJsonBody(req(...chunks), 16, opts)).toEqual(want)
  })
})
