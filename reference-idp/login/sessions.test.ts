import { describe, expect, it } from 'vitest'
import { idleExpired } from './sessions'

describe('idleExpired', () => {
  const now = new Date('2026-11-23T12:00:00Z')
  const ago = (s: number) => new Date(now.getTime() - s * 1000)
  it.each([
    ['used a minute ago', ago(60), 1800, false],
    ['used exactly 30 minutes ago', ago(1800), 1800, false],
    ['idle for 30 minutes and a second', ago(1801), 1800, true],
    ['no idle limit', ago(86_400), 0, false],
    ['a session from before last use was recorded', null, 1800, false],
  ] as const)('%s', (_n, lastSeen, idle, expected) => expect(idleExpired(lastSeen, now, idle)).toBe(expected))
})
