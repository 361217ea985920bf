import fs from 'node:fs'
import path from 'node:path'

// The message files as the e2e cases read them: what each language must show, and which English
// sentences must not appear in another language's page.

export const LOCALES = ['en', 'de', 'fr', 'es', 'ja', 'pt-BR'] as const
export type Locale = (typeof LOCALES)[number]

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(name, value)
    else flatten(value, name, out)
  }
  return out
}

const cache = new Map<Locale, Map<string, string>>()

/** Every message of a locale as `namespace.key` → text. */
function messagesOf(locale: Locale): Map<string, string> {
  let flat = cache.get(locale)
  if (!flat) {
    flat = new Map()
    const dir = path.resolve('messages', locale)
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.json'))) {
      flatten(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Tree, file.slice(0, -5), flat)
    }
    cache.set(locale, flat)
  }
  return flat
}

export function message(locale: Locale, key: string): string {
  const text = messagesOf(locale).get(key)
  if (text === undefined) throw new Error(`no message ${key} in ${locale}`)
  return text
}

/**
 * The English sentences of some namespaces that a page in `locale` must not show: those without
 * arguments or tags (so they appear verbatim), long enough to be a sentence, and translated.
 */
export function englishSentencesNotIn(locale: Locale, namespaces: string[]): string[] {
  const own = messagesOf(locale)
  return [...messagesOf('en')]
    .filter(([key]) => namespaces.some((ns) => key.startsWith(`${ns}.`)))
    .filter(([key, text]) => !/[{<]/.test(text) && text.length >= 12 && own.get(key) !== text)
    .map(([, text]) => text)
}
