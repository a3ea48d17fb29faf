import { describe, expect, it } from 'vitest'
import { auditPageSql, csvLine, formatCursor, parseCursor } from './audit-sql'

describe('audit SQL', () => {
  it('puts every filter in a server-side parameter, newest first', () => {
    const q = auditPageSql({ fromMs: 1, toMs: 2, action: "x'; DROP TABLE audit_log; --", actor: 'token:viewer', result: 'denied', before: { tsMs: 5, id: 'abc' } }, 10)
    expect(q.query).not.toContain('DROP')
    expect(q.query).toContain('ORDER BY ts DESC, id DESC')
    expect(q.params).toEqual({ limit: 10, from_ms: 1, to_ms: 2, action: "x'; DROP TABLE audit_log; --", actor: 'token:viewer', result: 'denied', b_ms: 5, b_id: 'abc' })
    expect(auditPageSql({}, 3).query).not.toContain('WHERE')
  })
  it('cursors round-trip; an ISO time is a cursor too; junk is not', () => {
    const c = { tsMs: 1_796_000_000_123, id: '0b9c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3' }
    expect(parseCursor(formatCursor(c))).toEqual(c)
    expect(parseCursor('2026-12-07T00:00:00Z')).toEqual({ tsMs: Date.parse('2026-12-07T00:00:00Z'), id: '' })
    for (const bad of ['yesterday', '12-x', "1-'; --", '']) expect(parseCursor(bad), bad).toBeUndefined()
  })
  it('CSV quotes what needs it and defuses spreadsheet formulas', () => {
    expect(csvLine(['a', 1, 'b,c', 'say "hi"', 'line\nbreak'])).toBe('a,1,"b,c","say ""hi""","line\nbreak"\r\n')
    expect(csvLine(['=SUM(A1)', '+1', '-x', '@cmd', 'ok'])).toBe("'=SUM(A1),'+1,'-x,'@cmd,ok\r\n")
  })
})
