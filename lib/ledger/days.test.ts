import { describe, expect, it } from 'vitest'
import { parseDay } from './days'

// The admin list's date filters take days in DISPLAY_TIME_ZONE, the zone its times are shown in.

describe('parseDay', () => {
  it('is the UTC day by default', () => {
    expect(parseDay('2026-03-10')).toEqual({ start: Date.parse('2026-03-10T00:00:00Z'), end: Date.parse('2026-03-11T00:00:00Z') })
  })

  it('starts and ends the day in the zone', () => {
    expect(parseDay('2026-07-01', 'Europe/Berlin')).toEqual({
      start: Date.parse('2026-06-30T22:00:00Z'),
      end: Date.parse('2026-07-01T22:00:00Z'),
    })
    expect(parseDay('2026-01-15', 'Asia/Tokyo')).toEqual({
      start: Date.parse('2026-01-14T15:00:00Z'),
      end: Date.parse('2026-01-15T15:00:00Z'),
    })
  })

  it('knows a day is 23 or 25 hours when the clocks change', () => {
    const spring = parseDay('2026-03-08', 'America/New_York')!
    expect(spring).toEqual({ start: Date.parse('2026-03-08T05:00:00Z'), end: Date.parse('2026-03-09T04:00:00Z') })
    expect(spring.end - spring.start).toBe(23 * 3600_000)
    const autumn = parseDay('2026-10-25', 'Europe/Berlin')!
    expect(autumn).toEqual({ start: Date.parse('2026-10-24T22:00:00Z'), end: Date.parse('2026-10-25T23:00:00Z') })
  })

  it('refuses what is not a calendar day', () => {
    for (const value of [undefined, '', '2026-02-30', '2026-13-01', '26-01-01', '2026-01-01T00:00'])
      expect(parseDay(value, 'Europe/Berlin')).toBeUndefined()
  })
})
