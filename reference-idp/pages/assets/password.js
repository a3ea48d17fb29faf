// New-password fields: a show/hide button and a strength meter. Both are hints only: the server
// checks every new password itself (length, common and breached lists, guessability).
'use strict'

for (const button of document.querySelectorAll('button[data-password-toggle]')) {
  const input = document.getElementById(button.getAttribute('aria-controls'))
  if (!input) continue
  button.hidden = false
  button.addEventListener('click', () => {
    const show = input.type === 'password'
    input.type = show ? 'text' : 'password'
    button.setAttribute('aria-pressed', String(show))
    button.textContent = show ? 'Hide password' : 'Show password'
  })
}

const WORDS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong']
const z = window.zxcvbnts
let scorer
const score = (password, inputs) => {
  if (!z || !z.core || !z['language-common']) return undefined
  scorer = scorer || new z.core.ZxcvbnFactory({ dictionary: z['language-common'].dictionary, graphs: z['language-common'].adjacencyGraphs })
  return scorer.check([...password].slice(0, 64).join(''), inputs).score
}

for (const box of document.querySelectorAll('[data-strength-for]')) {
  const input = document.getElementById(box.getAttribute('data-strength-for'))
  const meter = box.querySelector('meter')
  const text = box.querySelector('[data-strength-text]')
  if (!input || !meter || !text) continue
  const emailInput = document.getElementById('email')
  box.hidden = false
  const update = () => {
    const p = input.value
    const length = [...p.normalize('NFKC').replace(/ {2,}/g, ' ')].length
    const inputs = ['factorwatch'].concat(emailInput && emailInput.value ? emailInput.value.toLowerCase().split(/[@._+-]+/) : [])
    const s = p ? score(p, inputs) : 0
    meter.value = length < 12 ? Math.min(s === undefined ? 0 : s, 1) : s === undefined ? 2 : s
    text.textContent = !p ? 'Strength: nothing typed yet'
      : length < 12 ? `Strength: too short (${length} of at least 12 characters)`
      : length > 128 ? 'Strength: too long (at most 128 characters)'
      : s === undefined ? 'Strength: long enough; the server checks the rest'
      : `Strength: ${WORDS[s]}${s < 3 ? ' (will be refused: add a few unrelated words)' : ''}`
  }
  input.addEventListener('input', update)
  update()
}
