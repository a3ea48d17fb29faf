'use client'
import type { ReactNode } from 'react'
import { useRunbook } from '../../_lib/api-client'
import { type Block, type Inline, parseMarkdown } from '../../_lib/markdown'

/** Markdown → React elements; never HTML strings (see app/_lib/markdown.ts). */
function inline(nodes: Inline[]): ReactNode[] {
  return nodes.map((n, i) => {
    if (n.kind === 'text') return n.text
    if (n.kind === 'code') return <code key={i}>{n.text}</code>
    if (n.kind === 'strong') return <strong key={i}>{inline(n.children)}</strong>
    const external = /^(https?:|mailto:)/i.test(n.href)
    return (
      <a key={i} href={n.href} {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
        {inline(n.children)}
      </a>
    )
  })
}

function block(b: Block, i: number): ReactNode {
  switch (b.kind) {
    case 'heading': {
      // The runbook sits under the page's h2: its headings start at h3.
      const Tag = (['h3', 'h3', 'h4', 'h4'] as const)[b.level - 1]
      return <Tag key={i}>{inline(b.children)}</Tag>
    }
    case 'paragraph':
      return <p key={i}>{inline(b.children)}</p>
    case 'code':
      return (
        <pre key={i}>
          <code>{b.text}</code>
        </pre>
      )
    case 'list': {
      const items = b.items.map((it, j) => <li key={j}>{inline(it)}</li>)
      return b.ordered ? <ol key={i}>{items}</ol> : <ul key={i}>{items}</ul>
    }
  }
}

export function Runbook({ name, url }: { name: string; url: string }) {
  const q = useRunbook(name)
  const external = /^https?:\/\//i.test(url)
  return (
    <div className="runbook" data-testid="runbook">
      <p className="al-sub">
        dashboards/runbooks/{name}.md
        {external && (
          <>
            {' · '}
            <a href={url} target="_blank" rel="noopener noreferrer">
              open the published runbook
            </a>
          </>
        )}
      </p>
      {q.isPending && <p className="al-muted">Loading the runbook…</p>}
      {q.isError && <p className="error-message" role="alert">Could not load runbook {name}: {q.error.message}</p>}
      {q.data && parseMarkdown(q.data.markdown).map(block)}
    </div>
  )
}
