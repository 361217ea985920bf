// WCAG 2.2 contrast (relative luminance of sRGB colours), for BRAND_PRIMARY_COLOR.

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i

/** `#abc` or `#aabbcc` as [r, g, b] from 0 to 255; undefined for anything else. */
export function parseHexColor(value: string): [number, number, number] | undefined {
  if (!HEX.test(value)) return undefined
  const hex = value.length === 4 ? [...value.slice(1)].map((c) => c + c).join('') : value.slice(1)
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]
}

function luminance([r, g, b]: [number, number, number]): number {
  const channel = (c: number) => {
    const s = c / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

export function contrastRatio(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

export function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`
}

/** The colour mixed toward black by `amount` (0 to 1): the hover shade, or a darker suggestion. */
export function darken(rgb: [number, number, number], amount: number): [number, number, number] {
  return rgb.map((c) => c * (1 - amount)) as [number, number, number]
}

export const WHITE: [number, number, number] = [255, 255, 255]
const NEAR_BLACK: [number, number, number] = [15, 23, 42]

/** WCAG AA for the button's text (normal size): 4.5:1. */
export const MIN_CONTRAST = 4.5

/** The closest darker shade that reaches MIN_CONTRAST against white, offered in the error. */
export function darkerSuggestion(rgb: [number, number, number]): string {
  for (let step = 1; step <= 20; step++) {
    const candidate = darken(rgb, step * 0.05)
    if (contrastRatio(candidate, WHITE) >= MIN_CONTRAST) return toHex(candidate)
  }
  return toHex(NEAR_BLACK)
}

/** The text colour on a button of this colour: white, or the near-black with more contrast. */
export function textColorOn(rgb: [number, number, number]): string {
  return contrastRatio(rgb, WHITE) >= contrastRatio(rgb, NEAR_BLACK) ? '#ffffff' : toHex(NEAR_BLACK)
}
