import { expect, type Page } from '@playwright/test'

// Moving through a page with the keyboard alone (Tab, Shift+Tab), checking at every stop that the
// focused element shows where focus is (WCAG 2.4.7): a non-none outline or a box-shadow ring. A
// drop shadow an element has anyway (an input's shadow-xs: no spread) is not a ring.

export interface Focused {
  tag: string
  /** The name attribute of a field, else ''. */
  name: string
  /** The element's text (a button's, a link's, a summary's), trimmed. */
  text: string
  outline: string
  boxShadow: string
  /** The box-shadow has a ring: a visible layer with a spread of at least 1px. */
  ring: boolean
}

/** The focused element, or null when nothing is (the body has focus). */
export async function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const element = document.activeElement
    if (!element || element === document.body || element === document.documentElement) return null
    const style = getComputedStyle(element)
    const outlined = style.outlineStyle !== 'none' && style.outlineWidth !== '0px'
    // Layers such as "rgb(15, 23, 43) 0px 0px 0px 2px": the color, then x, y, blur and spread.
    const layers = style.boxShadow === 'none' ? [] : style.boxShadow.split(/,(?![^(]*\))/)
    const ring = layers.some((layer) => {
      const color = /rgba?\([^)]*\)|lab\([^)]*\)|oklch\([^)]*\)|#[0-9a-f]+/i.exec(layer)?.[0] ?? ''
      const transparent = /rgba\([^)]*,\s*0\)$/.test(color) || /\/\s*0\)$/.test(color)
      const lengths = layer.replace(color, '').match(/-?[\d.]+px/g) ?? []
      return !transparent && lengths.length >= 4 && parseFloat(lengths[3]!) >= 1
    })
    return {
      tag: element.tagName.toLowerCase(),
      name: element.getAttribute('name') ?? '',
      text: (element.textContent ?? '').replace(/\s+/g, ' ').trim(),
      outline: outlined ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : 'none',
      boxShadow: style.boxShadow,
      ring,
    }
  })
}

function describe(element: Focused): string {
  return `<${element.tag}${element.name ? ` name="${element.name}"` : ''}>${element.text.slice(0, 60)}`
}

/** The focused element shows its focus: an outline, or a box-shadow (a ring). */
function expectVisibleFocus(element: Focused | null): asserts element is Focused {
  expect(element, 'something has focus').not.toBeNull()
  const visible = element!.outline !== 'none' || element!.ring
  expect(visible, `focus is visible on ${describe(element!)} (outline ${element!.outline}, box-shadow ${element!.boxShadow})`).toBe(true)
}

/** A field by its name attribute. */
export const field = (name: string) => (element: Focused) => ['input', 'textarea', 'select'].includes(element.tag) && element.name === name
/** A button, link or summary by its whole text. */
export const control = (text: string) => (element: Focused) => element.tag !== 'input' && element.text === text

/**
 * Presses Tab (or Shift+Tab) until the focused element matches, checking that focus is visible at
 * every stop on the way; fails after `max` presses. A match that already has focus costs none.
 */
export async function tabTo(
  page: Page,
  matches: (element: Focused) => boolean,
  { backwards = false, max = 25 }: { backwards?: boolean; max?: number } = {},
): Promise<Focused> {
  const stops: string[] = []
  let current = await focused(page)
  for (let presses = 0; ; presses++) {
    if (current && matches(current)) {
      expectVisibleFocus(current)
      return current
    }
    if (presses === max)
      throw new Error(`no match within ${max} presses of ${backwards ? 'Shift+Tab' : 'Tab'}; stops: ${stops.join(' → ')}`)
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab')
    current = await focused(page)
    expectVisibleFocus(current)
    stops.push(describe(current))
  }
}

/** Waits until the element `matches` has focus (focus moved by the page, such as autofocus after an answer). */
export async function expectFocusOn(page: Page, matches: (element: Focused) => boolean): Promise<void> {
  await expect
    .poll(async () => {
      const current = await focused(page)
      return current !== null && matches(current)
    })
    .toBe(true)
  expectVisibleFocus(await focused(page))
}

/** Tabs to the email field, types the email and password, and sends the form with Enter from the password field. */
export async function typeCredentials(page: Page, email: string, password: string): Promise<void> {
  await tabTo(page, field('email'))
  await page.keyboard.type(email)
  await tabTo(page, field('password'), { max: 1 })
  await page.keyboard.type(password)
}
