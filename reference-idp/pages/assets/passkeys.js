// Passkey ceremonies of /passkeys and /login/passkey. Served as a same-origin file (the CSP
// allows no inline script); uses the global SimpleWebAuthnBrowser from the UMD bundle.
(function () {
  'use strict'
  var statusEl = document.getElementById('status')
  var errorEl = document.getElementById('error')

  function say(text) {
    if (statusEl) statusEl.textContent = text
  }
  function fail(text) {
    say('')
    if (!errorEl) return
    errorEl.textContent = text
    errorEl.hidden = false
    errorEl.setAttribute('tabindex', '-1')
    errorEl.focus()
  }
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (res) {
        return res.json().then(function (json) {
          if (!res.ok) throw new Error(json.message || 'request failed (' + res.status + ')')
          return json
        })
      })
  }
  // The browser's own errors (cancelled prompt, timeout) in words a person can act on.
  function explain(e) {
    if (e && e.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out. Try again when ready.'
    if (e && e.name === 'InvalidStateError') return 'This authenticator already holds a passkey for your account.'
    return (e && e.message) || 'Something went wrong; try again.'
  }
  // A passkey belongs to an RP ID (a host name); on any other host the browser refuses it.
  function checkHost(rpId) {
    var host = window.location.hostname
    if (host !== rpId && host.slice(-rpId.length - 1) !== '.' + rpId) {
      throw new Error('Passkeys work on ' + rpId + ', not on ' + host + ': open this page at ' + window.location.protocol + '//' + rpId + (window.location.port ? ':' + window.location.port : '') + window.location.pathname)
    }
  }
  function run(button, work) {
    button.addEventListener('click', function () {
      if (!window.SimpleWebAuthnBrowser || !SimpleWebAuthnBrowser.browserSupportsWebAuthn()) return fail('This browser does not support passkeys.')
      if (errorEl) errorEl.hidden = true
      button.disabled = true
      work().catch(function (e) {
        fail(explain(e))
      }).then(function () {
        button.disabled = false
      })
    })
  }

  var register = document.getElementById('add-passkey')
  if (register) run(register, function () {
    var nameInput = document.getElementById('passkey-name')
    say('Follow your browser\u2019s prompt to create the passkey\u2026')
    return post('/api/v1/webauthn/register/options').then(function (o) {
      checkHost(o.options.rp.id)
      return SimpleWebAuthnBrowser.startRegistration({ optionsJSON: o.options }).then(function (response) {
        return post('/api/v1/webauthn/register/verify', { challenge_id: o.challenge_id, response: response, name: (nameInput && nameInput.value.trim()) || 'Passkey' })
      })
    }).then(function () {
      say('Passkey added.')
      window.location.assign('/passkeys')
    })
  })

  var login = document.getElementById('passkey-login')
  if (login) run(login, function () {
    var flowId = login.getAttribute('data-flow-id')
    say('Follow your browser\u2019s prompt to use your passkey\u2026')
    return post('/api/v1/webauthn/login/options', flowId ? { flow_id: flowId } : {}).then(function (o) {
      checkHost(o.options.rpId)
      return SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: o.options }).then(function (response) {
        return post('/api/v1/webauthn/login/verify', { challenge_id: o.challenge_id, response: response })
      })
    }).then(function () {
      say('Signed in.')
      window.location.assign('/')
    })
  })
})()
