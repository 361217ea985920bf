import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTranslator } from 'next-intl'
import { describe, expect, it } from 'vitest'
import { LOCALES } from './locales'
import { builtInMessages, flattenMessages, messagesFor, readMessageOverrides } from './messages'

const english = flattenMessages(builtInMessages('en'))

/**
 * Messages that read the same in a language as in English, on purpose: names, codes and words
 * that language borrows. Anything else equal to English is an untranslated message.
 */
const SAME_AS_ENGLISH: Partial<Record<(typeof LOCALES)[number], string[]>> = {}

/** The ICU arguments and tags of a message: `{email}`, `{count, plural, ...}`, `<strong>`. */
function argumentsOf(text: string): string[] {
  const names = [...text.matchAll(/\{\s*([A-Za-z_][\w]*)\s*[,}]/g)].map((m) => m[1]!)
  const tags = [...text.matchAll(/<([A-Za-z][\w]*)>/g)].map((m) => `<${m[1]}>`)
  return [...new Set([...names, ...tags])].sort()
}

describe('the message files', () => {
  it('English has messages in every namespace', () => {
    expect(english.size).toBeGreaterThan(0)
  })

  for (const locale of LOCALES.filter((l) => l !== 'en')) {
    describe(locale, () => {
      const own = flattenMessages(builtInMessages(locale))

      it('has every English key, and no other', () => {
        expect([...english.keys()].filter((key) => !own.has(key))).toEqual([])
        expect([...own.keys()].filter((key) => !english.has(key))).toEqual([])
      })

      it('translates every message (none is left in English)', () => {
        const allowed = new Set(SAME_AS_ENGLISH[locale] ?? [])
        const untranslated = [...english].filter(([key, text]) => own.get(key) === text && !allowed.has(key)).map(([key]) => key)
        expect(untranslated).toEqual([])
      })

      it('keeps every argument and tag of the English message', () => {
        const differing = [...english]
          .filter(([key, text]) => own.has(key) && argumentsOf(own.get(key)!).join() !== argumentsOf(text).join())
          .map(([key]) => `${key}: ${argumentsOf(own.get(key)!).join()} ≠ ${argumentsOf(english.get(key)!).join()}`)
        expect(differing).toEqual([])
      })
    })
  }

  it.each(LOCALES)('%s: every message is valid ICU that next-intl formats', (locale) => {
    const errors: string[] = []
    const t = createTranslator({ locale, messages: messagesFor(locale, {}), onError: (error) => void errors.push(error.message) })
    for (const [key, text] of english) {
      const values = Object.fromEntries(
        argumentsOf(text).map((arg) => (arg.startsWith('<') ? [arg.slice(1, -1), (c: unknown) => c] : [arg, 'x'])),
      )
      if (argumentsOf(text).some((arg) => arg.startsWith('<'))) t.rich(key as never, values as never)
      else t(key as never, values as never)
    }
    expect(errors).toEqual([])
  })
})

describe('MESSAGES_DIR', () => {
  function dirWith(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'messages-'))
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
    return dir
  }

  it('replaces a message of one locale and leaves the others', () => {
    const dir = dirWith({ 'de.json': JSON.stringify({ login: { heading: 'Bei Acme anmelden' } }) })
    const { overrides, problems } = readMessageOverrides(dir)
    expect(problems).toEqual([])
    expect(flattenMessages(messagesFor('de', overrides)).get('login.heading')).toBe('Bei Acme anmelden')
    expect(overrides.fr).toBeUndefined()
  })

  it('names an unknown key, a value that is not text, bad JSON and an unknown language', () => {
    const dir = dirWith({
      'en.json': JSON.stringify({ login: { haeding: 'Sign in', heading: 3 } }),
      'fr.json': '{ nope',
      'xx.json': '{}',
    })
    const { problems } = readMessageOverrides(dir)
    expect(problems).toEqual([
      'MESSAGES_DIR: en.json: "login.haeding" is not a message of the bridge (see messages/en/)',
      'MESSAGES_DIR: en.json: "login.heading" must be a string',
      expect.stringMatching(/^MESSAGES_DIR: fr\.json is not valid JSON \(/),
      'MESSAGES_DIR: xx.json names no supported language (use one of en.json, de.json, fr.json, es.json, ja.json, pt-BR.json)',
    ])
  })

  it('names a folder that does not exist', () => {
    expect(readMessageOverrides('/nonexistent/messages').problems).toEqual([
      'MESSAGES_DIR: /nonexistent/messages is not a readable directory',
    ])
  })
})
