import type { AttrValue, Attrs } from '../otlp/model'
import { text } from './columns'

/*
 * Insert bodies built by hand in ClickHouse's TabSeparated format: one line per row, fields in
 * column order, no per-row objects and no client-side stringify. TabSeparated because it is the
 * cheapest text ClickHouse parses (measured against JSONCompactEachRow through chDB, see
 * scripts/bench/encode-formats.ts) and a raw format of @clickhouse/client, so chDB and a
 * server take the same bytes; RowBinary cannot pass chDB's connection (it reads the body as
 * UTF-8 text).
 *
 * Escaping (ClickHouse "Escaped" text): backslash, tab, line feed, carriage return and NUL get a
 * backslash. Inside Map/Array values strings are quoted ('…') and the quote is escaped too.
 */

const TSV_SPECIAL = /[\\\t\n\r\0]/
const TSV_SPECIAL_G = /[\\\t\n\r\0]/g
const QUOTED_SPECIAL = /[\\'\t\n\r\0]/
const QUOTED_SPECIAL_G = /[\\'\t\n\r\0]/g
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', "'": "\\'" }
const escapeChar = (c: string) => ESCAPES[c]

/** A String field. */
export function tsv(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(TSV_SPECIAL_G, escapeChar) : s
}

/** A string inside a Map or Array field: quoted and escaped. */
export function quoted(s: string): string {
  return QUOTED_SPECIAL.test(s) ? `'${s.replace(QUOTED_SPECIAL_G, escapeChar)}'` : `'${s}'`
}

/** Nullable field value for NULL. */
export const TSV_NULL = '\\N'

/** A Map(String, String) field from attributes, optionally skipping entries (`skip(k, v)` true). */
export function tsvMap(a: Attrs, skip?: (k: string, v: AttrValue) => boolean): string {
  let out = '{'
  let first = true
  for (const k in a) {
    const v = a[k]
    if (v === undefined || (skip !== undefined && skip(k, v))) continue
    out += `${first ? '' : ','}${quoted(k)}:${quoted(text(v))}`
    first = false
  }
  return `${out}}`
}

/** An Array(String) field. */
export function tsvArray(items: readonly string[]): string {
  let out = '['
  for (let i = 0; i < items.length; i++) out += `${i === 0 ? '' : ','}${quoted(items[i])}`
  return `${out}]`
}

/** DateTime64(3) text from epoch milliseconds: "seconds.mmm" (no Date, no ISO string). */
export function msTime(ms: number): string {
  const s = Math.floor(ms / 1000)
  const f = ms - s * 1000
  return `${s}.${f < 10 ? '00' : f < 100 ? '0' : ''}${f}`
}

const NS_PER_DAY = 86_400_000_000_000n
/** UTC day number (days since 1970-01-01) of epoch nanoseconds: a row's partition. */
export const dayOfNs = (ns: bigint): number => Number(ns / NS_PER_DAY)
