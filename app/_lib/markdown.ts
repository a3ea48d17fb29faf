/**
 * The subset of Markdown runbooks use (headings, paragraphs, lists, code blocks, inline code,
 * bold, links), parsed into a tree that React renders as elements: text is never injected as
 * HTML, so a runbook cannot run script in the console. Links keep only http(s), mailto and
 * site-relative targets; anything else (javascript:, data:) becomes plain text.
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; children: Inline[] }
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] }
  | { kind: 'code'; text: string }

export function safeHref(href: string): string | null {
  const h = href.trim()
  if (/^(https?:|mailto:)/i.test(h)) return h
  if (/^(\/(?!\/)|#)/.test(h)) return h
  return null
}

/** Inline spans: `code`, **bold**, [text](href); everything else is text. */
export function parseInline(src: string): Inline[] {
  const out: Inline[] = []
  const push = (text: string) => {
    if (!text) return
    const last = out.at(-1)
    if (last?.kind === 'text') last.text += text
    else out.push({ kind: 'text', text })
  }
  let i = 0
  while (i < src.length) {
    const rest = src.slice(i)
    const code = /^`([^`]+)`/.exec(rest)
    if (code) {
      out.push({ kind: 'code', text: code[1] })
      i += code[0].length
      continue
    }
    const strong = /^\*\*(.+?)\*\*/.exec(rest)
    if (strong) {
      out.push({ kind: 'strong', children: parseInline(strong[1]) })
      i += strong[0].length
      continue
    }
    const link = /^\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/.exec(rest)
    if (link) {
      const href = safeHref(link[2])
      if (href) out.push({ kind: 'link', href, children: parseInline(link[1]) })
      else push(link[1])
      i += link[0].length
      continue
    }
    const next = rest.slice(1).search(/[`*[]/)
    const n = next < 0 ? rest.length : next + 1
    push(rest.slice(0, n))
    i += n
  }
  return out
}

export function parseMarkdown(md: string): Block[] {
  const lines = md.replace(/\r\n?/g, '\n').split('\n')
  const blocks: Block[] = []
  let para: string[] = []
  const flush = () => {
    if (para.length) blocks.push({ kind: 'paragraph', children: parseInline(para.join(' ')) })
    para = []
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (/^\s*```/.test(line)) {
      flush()
      const body: string[] = []
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) body.push(lines[i])
      blocks.push({ kind: 'code', text: body.join('\n') })
      continue
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*$/.exec(line)
    if (heading) {
      flush()
      blocks.push({ kind: 'heading', level: Math.min(heading[1].length, 4) as 1 | 2 | 3 | 4, children: parseInline(heading[2]) })
      continue
    }
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line)
    if (item) {
      flush()
      const ordered = /\d/.test(item[1])
      const prev = blocks.at(-1)
      const list = prev?.kind === 'list' && prev.ordered === ordered && lines[i - 1]?.trim() !== '' ? prev : undefined
      if (list) list.items.push(parseInline(item[2]))
      else blocks.push({ kind: 'list', ordered, items: [parseInline(item[2])] })
      continue
    }
    const prev = blocks.at(-1)
    // A lazy continuation line of a list item.
    if (line.trim() && /^\s{2,}/.test(line) && prev?.kind === 'list' && para.length === 0 && lines[i - 1]?.trim() !== '') {
      prev.items[prev.items.length - 1].push({ kind: 'text', text: ' ' }, ...parseInline(line.trim()))
      continue
    }
    if (!line.trim()) flush()
    else para.push(line.trim())
  }
  flush()
  return blocks
}
