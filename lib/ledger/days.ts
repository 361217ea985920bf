// Calendar days as the admin area means them: in DISPLAY_TIME_ZONE, the zone its times are shown in.

/** How far `zone`'s wall clock is ahead of UTC at the instant `time`, in ms. */
function zoneOffset(time: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(time)
      .map((part) => [part.type, Number(part.value)]),
  )
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - Math.floor(time / 1000) * 1000
}

/**
 * A YYYY-MM-DD date as the instant that day starts in `zone` (DISPLAY_TIME_ZONE, the zone the
 * list shows its times in), and the instant the next day starts: a day is not always 24 hours.
 */
export function parseDay(value: string | undefined, zone = 'UTC'): { start: number; end: number } | undefined {
  const match = value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null
  if (!match) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const midnight = Date.UTC(year, month - 1, day)
  const date = new Date(midnight)
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  // The offset at midnight UTC, then again at the instant found, so a change of offset that day counts.
  const at = (wall: number) => wall - zoneOffset(wall - zoneOffset(wall, zone), zone)
  return { start: at(midnight), end: at(Date.UTC(year, month - 1, day + 1)) }
}
