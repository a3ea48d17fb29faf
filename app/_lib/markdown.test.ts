import { describe, expect, it } from 'vitest'
import { RUNBOOK_MARKDOWN } from '../../test/fixtures/alerting'
import { parseInline, parseMarkdown, safeHref } from './markdown'

describe('parseMarkdown', () => {
  const blocks = parseMarkdown(RUNBOOK_MARKDOWN)
  it('reads headings, paragraphs, ordered and bulleted lists and code blocks', () => {
    expect(blocks.map((b) => (b.kind === 'heading' ? `h${b.level}` : b.kind === 'list' ? `${b.ordered ? 'ol' : 'ul'}${b.items.length}` : b.kind))).toEqual(['h1', 'paragraph', 'h2', 'ol2', 'h2', 'ul3', 'code'])
    expect(blocks.at(-1)).toEqual({ kind: 'code', text: 'curl -s localhost:4320/api/v1/providers?channel=sms' })
  })
  it('keeps HTML as text and drops unsafe link targets', () => {
    const act = blocks[5]
    expect(act.kind === 'list' && act.items[1]).toEqual([{ kind: 'text', text: 'Do not disable the breaker: <script>alert("x")</script>' }])
    expect(act.kind === 'list' && act.items[2]).toEqual([{ kind: 'text', text: 'Not a link' }])
  })
})

describe('parseInline', () => {
  it.each([
    ['a `b` **c** [d](https://x.test/y)', [{ kind: 'text', text: 'a ' }, { kind: 'code', text: 'b' }, { kind: 'text', text: ' ' }, { kind: 'strong', children: [{ kind: 'text', text: 'c' }] }, { kind: 'text', text: ' ' }, { kind: 'link', href: 'https://x.test/y', children: [{ kind: 'text', text: 'd' }] }]],
    ['2 * 3 [not closed', [{ kind: 'text', text: '2 * 3 [not closed' }]],
  ])('%s', (src, out) => expect(parseInline(src)).toEqual(out))
  it.each([
    ['https://a.test', 'https://a.test'], ['/subprocessors', '/subprocessors'], ['#check', '#check'], ['mailto:oncall@x.test', 'mailto:oncall@x.test'],
    ['javascript:alert(1)', null], ['JAVASCRIPT:x', null], ['data:text/html,x', null], ['//evil.test', null],
  ])('safeHref(%s) = %s', (href, out) => expect(safeHref(href)).toBe(out))
})
