import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { requirePrerequisite } from '../../test/support/processes'
import { byteBudget, decodeContent, HttpError, zstdDecompress, zstdDecompressJs, zstdFrames } from './body'

/*
 * zstd bodies (the OTel Collector's otlphttp exporter sends them) through both paths: Node's
 * zlib.zstdDecompress where this Node has it, and fzstd behind a frame walker everywhere. The
 * compressed inputs come from the real zstd CLI (Debian package zstd).
 */
const ZSTD = '/usr/bin/zstd'
const hasZstd = requirePrerequisite(existsSync(ZSTD), `${ZSTD} (Debian package zstd)`)
const zstd = (input: Buffer, args: string[] = []) => execFileSync(ZSTD, ['-c', '-q', ...args], { input, maxBuffer: 64 * 1024 * 1024 })
const hasNative = typeof (zlib as unknown as { zstdDecompress?: unknown }).zstdDecompress === 'function'

/** A frame header by hand: single segment, Frame_Content_Size of 8 bytes. */
function headerDeclaring(size: number): Buffer {
  const b = Buffer.alloc(4 + 1 + 8 + 3)
  b.writeUInt32LE(0xfd2fb528, 0)
  b[4] = (3 << 6) | (1 << 5) // FCS 8 bytes, single segment
  b.writeBigUInt64LE(BigInt(size), 5)
  b.writeUIntLE(1 | (0 << 1) | (0 << 3), 13, 3) // last, raw, 0 bytes
  return b
}

const refusal = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, reason: err.reason, message: err.message }
    throw err
  }
  throw new Error('not refused')
}

const text = Buffer.from('{"resourceLogs":[]} '.repeat(2000))

describe.skipIf(!hasZstd)('zstd bodies', () => {
  it.each([
    ['from a file (content size declared)', (b: Buffer) => zstd(b, ['--content-size'])],
    ['from a stream (no content size)', (b: Buffer) => zstd(b, ['--no-content-size'])],
    ['with a checksum, level 19', (b: Buffer) => zstd(b, ['-19', '--check'])],
    ['two frames concatenated, and a skippable frame', (b: Buffer) => Buffer.concat([zstd(b.subarray(0, 1000)), Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]), zstd(b.subarray(1000))])],
  ])('decompresses %s, in JS and natively', async (_name, compress) => {
    const z = compress(text)
    expect(zstdDecompressJs(z, 1 << 20).equals(text)).toBe(true)
    expect((await zstdDecompress(z, 1 << 20)).equals(text)).toBe(true)
    const held = { bytes: 0 }
    expect((await decodeContent(z, 'zstd', 1 << 20, byteBudget(1 << 22), held)).equals(text)).toBe(true)
    expect(held.bytes).toBe(text.length)
  })

  it('refuses a zstd bomb with 413 once the output passes the limit (no content size declared)', async () => {
    const bomb = zstd(Buffer.alloc(8 * 1024 * 1024), ['--no-content-size'])
    expect(bomb.length).toBeLessThan(2048)
    const want = { status: 413, reason: 'decompressed_too_large', message: 'decompressed body exceeds the limit of 65536 bytes' }
    expect(await refusal(() => zstdDecompressJs(bomb, 64 * 1024))).toEqual(want)
    expect(await refusal(zstdDecompress(bomb, 64 * 1024))).toEqual(want)
  })

  it('refuses a frame declaring more than the limit, or a window above the cap, before allocating', async () => {
    expect(await refusal(() => zstdFrames(headerDeclaring(2 ** 31), 1 << 20))).toMatchObject({ status: 413, message: 'zstd frame declares 2147483648 bytes, over the limit of 1048576 bytes' })
    // Window descriptor exponent 21 → 2 GiB window, not single segment.
    const wide = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00])
    expect(await refusal(() => zstdFrames(wide, 1 << 20))).toMatchObject({ status: 413, message: expect.stringMatching(/window of 2147483648 bytes, over 8388608/) })
    expect(await refusal(zstdDecompress(wide, 1 << 20))).toMatchObject({ status: 413 })
  })

  it('refuses what is not zstd, truncated or needs a dictionary', async () => {
    const z = zstd(text)
    expect(await refusal(() => zstdDecompressJs(Buffer.from('not zstd at all'), 1 << 20))).toMatchObject({ status: 400, reason: 'bad_compression', message: 'invalid zstd body: not a zstd frame' })
    expect(await refusal(() => zstdDecompressJs(z.subarray(0, z.length - 3), 1 << 20))).toMatchObject({ status: 400, reason: 'bad_compression' })
    expect(await refusal(zstdDecompress(z.subarray(0, z.length - 3), 1 << 20))).toMatchObject({ status: 400 })
    expect(await refusal(() => zstdDecompressJs(Buffer.alloc(0), 1 << 20))).toMatchObject({ status: 400 })
    const dict = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x07, 0x10, 0x01, 0x00, 0x00])
    expect(await refusal(() => zstdFrames(dict, 1 << 20))).toMatchObject({ status: 415, message: 'zstd frames that need a dictionary are not supported' })
  })

  it.skipIf(!hasNative)('uses Node\'s own zstd on this Node', async () => {
    expect((await zstdDecompress(zstd(text), 1 << 20)).equals(text)).toBe(true)
  })
})

describe('content encodings', () => {
  it('names what it takes when refusing another one', async () => {
    expect(await refusal(decodeContent(Buffer.from('x'), 'br', 100, byteBudget(1000), { bytes: 0 }))).toEqual({
      status: 415, reason: 'content_encoding', message: 'unsupported content encoding "br": expected gzip, zstd or none',
    })
  })
})
