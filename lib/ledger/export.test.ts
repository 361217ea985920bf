import { describe, expect, it } from 'vitest'
import { csvCell, csvLine, jsonLine, CSV_HEADER, type ExportRow } from './export'

const row: ExportRow = {
  id: 'lri_1',
  status: 'failed',
  serverKey: 'billing',
  createdAt: Date.UTC(2026, 10, 23, 12, 0, 0),
  signedInAt: null,
  submittedAt: null,
  finishedAt: Date.UTC(2026, 10, 23, 12, 0, 1),
  expiresAt: Date.UTC(2026, 10, 23, 12, 10, 0),
  identitySource: 'local',
  authMethods: 'pwd otp',
  userEmail: 'a@example.test',
  userSub: 'u1',
  authRequestId: null,
  errorCode: 'scalekit_rejected_user',
  errorMessage: 'InvalidArgument: "sub", bad\nvalue',
  ip: '127.0.0.1',
  userAgent: 'Mozilla/5.0 (X11, Linux)',
  reportedAt: null,
  claims: { sub: 'u1', email: 'a@example.test' },
}

describe('the ledger export', () => {
  it('quotes every CSV cell per RFC 4180 and defuses spreadsheet formulas at the start', () => {
    expect(csvCell(null)).toBe('""')
    expect(csvCell('plain')).toBe('"plain"')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`)
    expect(csvCell('+1')).toBe(`"'+1"`)
    expect(csvCell('-1')).toBe(`"'-1"`)
    expect(csvCell('@sum')).toBe(`"'@sum"`)
    expect(csvCell('\tcmd')).toBe(`"'\tcmd"`)
  })

  it('case 29: defuses a formula after ";", "," or a tab, where other locales start a new cell', () => {
    expect(csvCell('x;=HYPERLINK("http://evil","go")')).toBe(`"x;'=HYPERLINK(""http://evil"",""go"")"`)
    expect(csvCell('Mozilla/5.0;+cmd|calc')).toBe(`"Mozilla/5.0;'+cmd|calc"`)
    expect(csvCell('a,@SUM(1)')).toBe(`"a,'@SUM(1)"`)
    expect(csvCell('a\t-2+3')).toBe(`"a\t'-2+3"`)
    expect(csvCell('a; =b')).toBe('"a; =b"')
  })

  it('writes one CSV line and one JSON line per row, in the header order', () => {
    expect(CSV_HEADER.split(',').slice(0, 3)).toEqual(['login_request_id', 'status', 'server'])
    expect(csvLine(row)).toBe(
      '"lri_1","failed","billing","2026-11-23T12:00:00.000Z","","","2026-11-23T12:00:01.000Z","local","a@example.test","u1","","scalekit_rejected_user","InvalidArgument: ""sub"", bad\nvalue","127.0.0.1","Mozilla/5.0 (X11, Linux)","{""sub"":""u1"",""email"":""a@example.test""}","pwd otp"\r\n',
    )
    expect(JSON.parse(jsonLine(row))).toEqual({
      login_request_id: 'lri_1',
      status: 'failed',
      server: 'billing',
      created_at: '2026-11-23T12:00:00.000Z',
      signed_in_at: null,
      submitted_at: null,
      finished_at: '2026-11-23T12:00:01.000Z',
      identity_source: 'local',
      auth_methods: 'pwd otp',
      user_email: 'a@example.test',
      user_sub: 'u1',
      auth_request_id: null,
      error_code: 'scalekit_rejected_user',
      error_message: 'InvalidArgument: "sub", bad\nvalue',
      ip: '127.0.0.1',
      user_agent: 'Mozilla/5.0 (X11, Linux)',
      claims: { sub: 'u1', email: 'a@example.test' },
    })
  })
})
