import { esc } from '../http/io'

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1b1f24}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0} label{display:block;font-weight:600;margin-top:1rem}
input,select{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #8a94a3;border-radius:4px;margin-top:.25rem}
input:focus,select:focus,button:focus,a:focus{outline:3px solid #2563eb;outline-offset:2px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{background:#fde8e8;border-left:4px solid #b91c1c;padding:.75rem;margin:1rem 0}
.note{color:#4b5563;font-size:.9rem} code{word-break:break-all;background:#eef;padding:.1rem .3rem}
.qr svg{width:220px;height:220px} ul{padding-left:1.2rem}
main.wide{max-width:72rem} table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.4rem 0} th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
td form{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap} td label{margin-top:0} td input{width:14rem} td button{margin-top:0}
.factors li{margin:.75rem 0} .factors form{display:inline-flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap;margin:.4rem .5rem 0 0}
.factors label{margin-top:0;font-weight:400;font-size:.85rem;width:100%} .factors input{width:13rem} .factors button{margin-top:0}
button.danger{background:#fff;color:#b91c1c;border:1px solid #b91c1c}
.done{background:#ecfdf5;border-left:4px solid #047857;padding:.75rem;margin:1rem 0;color:#1b1f24}
button.pw-toggle{margin-top:.5rem;padding:.35rem .8rem;font-size:.9rem;background:#fff;color:#1d4ed8;border:1px solid #1d4ed8}
.pw-meter{margin-top:.25rem} .pw-meter meter{width:100%;height:1rem} .note{margin-bottom:0}
`

/** The page shell: one h1, an error summary announced to screen readers; no inline scripts (CSP), forms work without any. */
export function page(title: string, body: string, error?: string, o: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · FactorWatch reference IdP</title><style>${STYLE}</style></head>
<body><main${o.wide ? ' class="wide"' : ''}><h1>${esc(title)}</h1>
${error ? `<div class="error" role="alert" id="error">${esc(error)}</div>` : ''}
${body}
</main></body></html>`
}

/** A labelled input; `describedBy` ties it to the error summary when there is one. */
export function field(o: { name: string; label: string; type?: string; autocomplete?: string; value?: string; inputmode?: string; pattern?: string; autofocus?: boolean; error?: boolean }): string {
  const attrs = [
    `id="${esc(o.name)}"`, `name="${esc(o.name)}"`, `type="${esc(o.type ?? 'text')}"`, 'required',
    o.autocomplete ? `autocomplete="${esc(o.autocomplete)}"` : '',
    o.value ? `value="${esc(o.value)}"` : '',
    o.inputmode ? `inputmode="${esc(o.inputmode)}"` : '',
    o.pattern ? `pattern="${esc(o.pattern)}"` : '',
    o.autofocus ? 'autofocus' : '',
    o.error ? 'aria-invalid="true" aria-describedby="error"' : '',
  ].filter(Boolean)
  return `<label for="${esc(o.name)}">${esc(o.label)}</label><input ${attrs.join(' ')}>`
}
