import { describe, expect, it } from 'vitest'
import { ArgError, parseArgs, type Options } from './args'

const DEFAULTS: Options = {
  target: 'http://127.0.0.1:8080',
  users: 50,
  rate: 5,
  seed: 1,
  durationMs: 60_000,
  count: null,
  quiet: false,
  thinkScale: 1,
  oobHoldSeconds: 35,
  oobSpreadSeconds: 0,
  maxInflight: 64,
  setupConcurrency: 4,
  simulator: null,
  smsShare: 0.25,
  voiceShare: 0.1,
  pushShare: 0.1,
  passkeyShare: 0.1,
  attackers: 0.05,
  lostDevice: 0.01,
  pushBombing: 0.2,
}

const opts = (argv: string[]): Options => {
  const parsed = parseArgs(argv)
  if (parsed.help) throw new Error('unexpected help')
  return parsed.options
}

describe('parseArgs: good input', () => {
  it.each<[string, string[], Partial<Options>]>([
    ['no arguments → defaults', [], {}],
    [
      'the documented example',
      ['--target', 'http://127.0.0.1:8080', '--users', '200', '--rate', '20', '--duration', '5m', '--seed', '1'],
      { users: 200, rate: 20, durationMs: 300_000 },
    ],
    ['--count without --duration has no time limit', ['--count', '40'], { count: 40, durationMs: null }],
    ['--count with --duration keeps both', ['--count', '40', '--duration', '30s'], { count: 40, durationMs: 30_000 }],
    ['forever', ['--duration', 'forever'], { durationMs: null }],
    ['--name=value form', ['--users=12', '--rate=0.5', '--think-scale=0.05'], { users: 12, rate: 0.5, thinkScale: 0.05 }],
    ['--quiet', ['--quiet'], { quiet: true }],
    ['negative seed', ['--seed', '-7'], { seed: -7 }],
    ['think scale 0 (no think time)', ['--think-scale', '0'], { thinkScale: 0 }],
    ['target trailing slash dropped', ['--target', 'https://idp.example.test:8443/'], { target: 'https://idp.example.test:8443' }],
    ['target with a base path', ['--target', 'http://h:1/idp/'], { target: 'http://h:1/idp' }],
    ['caps', ['--max-inflight', '8', '--setup-concurrency', '2'], { maxInflight: 8, setupConcurrency: 2 }],
    ['SMS users spread over 6 minutes', ['--oob-spread', '360'], { oobSpreadSeconds: 360 }],
    ['no hold for SMS users', ['--oob-hold', '0'], { oobHoldSeconds: 0 }],
    ['later value wins', ['--users', '3', '--users', '4'], { users: 4 }],
    ['--simulator', ['--simulator', 'http://127.0.0.1:18090/'], { simulator: 'http://127.0.0.1:18090' }],
    ['SMS and e-mail shares', ['--sms-share', '0.5', '--voice-share=0.2'], { smsShare: 0.5, voiceShare: 0.2 }],
    ['shares at the edges', ['--sms-share', '0', '--voice-share', '1', '--push-share', '0', '--passkey-share', '0'], { smsShare: 0, voiceShare: 1, pushShare: 0, passkeyShare: 0 }],
    [
      'shares adding up to exactly 1 despite decimals',
      ['--sms-share', '0.4', '--voice-share', '0.3', '--push-share', '0.2', '--passkey-share', '0.1'],
      { smsShare: 0.4, voiceShare: 0.3, pushShare: 0.2, passkeyShare: 0.1 },
    ],
    ['one share given, the others default', ['--sms-share', '0.7'], { smsShare: 0.7 }],
    ['push and passkey shares', ['--push-share', '0.3', '--passkey-share=0.25'], { pushShare: 0.3, passkeyShare: 0.25 }],
    ['push bombing share of attacks', ['--push-bombing', '1', '--attackers', '0.2'], { pushBombing: 1, attackers: 0.2 }],
    ['push bombing off', ['--push-bombing', '0'], { pushBombing: 0 }],
    ['attackers and lost devices', ['--attackers', '0.1', '--lost-device=0.05'], { attackers: 0.1, lostDevice: 0.05 }],
    ['attackers off', ['--attackers', '0'], { attackers: 0 }],
    ['attackers at most half', ['--attackers', '0.5'], { attackers: 0.5 }],
  ])('%s', (_name, argv, expected) => {
    expect(opts(argv)).toEqual({ ...DEFAULTS, ...expected })
  })

  it('--help', () => {
    expect(parseArgs(['--users', '3', '--help'])).toEqual({ help: true })
  })
})

describe('parseArgs: bad input', () => {
  it.each<[string[], RegExp]>([
    [['--users'], /--users needs a value/],
    [['--users', '--quiet'], /--users needs a value/],
    [['--users', '0'], /--users expects a whole number of users from 1 to 100000, got "0"/],
    [['--users', '2.5'], /--users expects a whole number/],
    [['--users', 'ten'], /--users expects/],
    [['--users', '1e3'], /--users expects/],
    [['--rate', '0'], /--rate expects a positive number/],
    [['--rate', '-1'], /--rate expects a positive number/],
    [['--rate', 'fast'], /--rate expects a positive number/],
    [['--count', '0'], /--count expects a whole number of login attempts/],
    [['--duration', '5'], /--duration: expected a duration such as 30s, 5m, 1h or forever, got "5"/],
    [['--duration', '0s'], /--duration: expected a duration above zero/],
    [['--seed', 'x'], /--seed expects a whole number/],
    [['--oob-spread', '4000'], /--oob-spread expects a whole number of seconds from 0 to 3600, got "4000"/],
    [['--think-scale', '-0.1'], /--think-scale expects a number of at least 0/],
    [['--target', 'localhost:8080'], /--target expects an http:\/\/ or https:\/\/ URL/],
    [['--target', 'ftp://x'], /--target expects an http:\/\/ or https:\/\/ URL/],
    [['--bogus', '1'], /unknown option --bogus: expected one of --target/],
    [['users', '5'], /unexpected argument "users"/],
    [['--quiet=yes'], /--quiet takes no value/],
    [['--max-inflight', '0'], /--max-inflight expects/],
    [['--sms-share', '1.5'], /--sms-share expects a share of users from 0 to 1, got "1.5"/],
    [['--voice-share', '-0.1'], /--voice-share expects a share of users from 0 to 1/],
    [['--sms-share', 'most'], /--sms-share expects a share/],
    [
      ['--sms-share', '0.6', '--voice-share', '0.5', '--push-share', '0', '--passkey-share', '0'],
      /--sms-share 0.6, --voice-share 0.5, --push-share 0 and --passkey-share 0 add up to 1.1: together they must be at most 1/,
    ],
    [['--sms-share', '0.75'], /--sms-share 0.75, --voice-share 0.1 \(default\), --push-share 0.1 \(default\) and --passkey-share 0.1 \(default\) add up to 1.05/],
    [['--push-share', '0.5', '--passkey-share', '0.5'], /--sms-share 0.25 \(default\), --voice-share 0.1 \(default\), --push-share 0.5 and --passkey-share 0.5 add up to 1.35/],
    [['--push-share', '2'], /--push-share expects a share of users from 0 to 1, got "2"/],
    [['--passkey-share', '-0.5'], /--passkey-share expects a share of users from 0 to 1/],
    [['--push-bombing', '1.5'], /--push-bombing expects a share of attacks from 0 to 1, got "1.5"/],
    [['--attackers', '0.6'], /--attackers expects a share of attempts from 0 to 0.5, got "0.6"/],
    [['--attackers', '-0.01'], /--attackers expects a share of attempts/],
    [['--lost-device', '2'], /--lost-device expects a share of logins from 0 to 1, got "2"/],
    [['--simulator', '127.0.0.1:8090'], /--simulator expects an http:\/\/ or https:\/\/ URL/],
  ])('%j', (argv, message) => {
    let err: unknown
    try {
      parseArgs(argv)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ArgError)
    expect((err as Error).message).toMatch(message)
    expect((err as Error).message).not.toContain('\n')
  })
})
