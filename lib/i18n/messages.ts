import fs from 'node:fs'
import path from 'node:path'
import { BUILT_IN_MESSAGES } from '@/messages'
import { LOCALES, isLocale, type Locale } from './locales'

// The messages a page is rendered with: the built-in files of its locale, then a deployment's own
// wording from MESSAGES_DIR (one {locale}.json per language, the same nesting as messages/en/*,
// any subset of keys), read and checked once at start-up so a typo stops the bridge, not a page.

export interface MessageTree {
  [key: string]: string | MessageTree
}
export type MessageOverrides = Partial<Record<Locale, MessageTree>>

/** Every message of a tree as `namespace.key.subkey` → text. */
export function flattenMessages(tree: MessageTree, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') flat.set(name, value)
    else for (const [inner, text] of flattenMessages(value, name)) flat.set(inner, text)
  }
  return flat
}

function merge(base: MessageTree, over: MessageTree): MessageTree {
  const out: MessageTree = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const current = out[key]
    out[key] = typeof value === 'object' && typeof current === 'object' ? merge(current, value) : value
  }
  return out
}

export function builtInMessages(locale: Locale): MessageTree {
  return BUILT_IN_MESSAGES[locale] as unknown as MessageTree
}

const KNOWN_KEYS = flattenMessages(builtInMessages('en'))

function checkOverride(file: string, tree: unknown): string[] {
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) return [`MESSAGES_DIR: ${file} must hold a JSON object`]
  const problems: string[] = []
  const visit = (node: object, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      const name = prefix ? `${prefix}.${key}` : key
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) visit(value, name)
      else if (typeof value !== 'string') problems.push(`MESSAGES_DIR: ${file}: "${name}" must be a string`)
      else if (!KNOWN_KEYS.has(name)) problems.push(`MESSAGES_DIR: ${file}: "${name}" is not a message of the bridge (see messages/en/)`)
    }
  }
  visit(tree, '')
  return problems
}

/** Reads MESSAGES_DIR: every {locale}.json in it, checked against the English keys. */
export function readMessageOverrides(dir: string | undefined): { overrides: MessageOverrides; problems: string[] } {
  if (!dir) return { overrides: {}, problems: [] }
  let files: string[]
  try {
    files = fs.readdirSync(dir).filter((name) => name.endsWith('.json'))
  } catch {
    return { overrides: {}, problems: [`MESSAGES_DIR: ${dir} is not a readable directory`] }
  }
  const overrides: MessageOverrides = {}
  const problems: string[] = []
  for (const file of files) {
    const locale = file.slice(0, -'.json'.length)
    if (!isLocale(locale)) {
      problems.push(`MESSAGES_DIR: ${file} names no supported language (use one of ${LOCALES.map((l) => `${l}.json`).join(', ')})`)
      continue
    }
    let tree: unknown
    try {
      tree = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
    } catch (error) {
      problems.push(`MESSAGES_DIR: ${file} is not valid JSON (${error instanceof Error ? error.message : 'unreadable'})`)
      continue
    }
    const found = checkOverride(file, tree)
    problems.push(...found)
    if (found.length === 0) overrides[locale] = tree as MessageTree
  }
  return { overrides, problems }
}

// Per set of overrides (the process has one: the env's), per locale.
const merged = new WeakMap<MessageOverrides, Map<Locale, MessageTree>>()

/** The messages of one locale: English under it (a key it lacks still reads), its own, then the overrides. */
export function messagesFor(locale: Locale, overrides: MessageOverrides): MessageTree {
  let cache = merged.get(overrides)
  if (!cache) merged.set(overrides, (cache = new Map()))
  let tree = cache.get(locale)
  if (!tree) {
    const own = locale === 'en' ? builtInMessages('en') : merge(builtInMessages('en'), builtInMessages(locale))
    tree = overrides[locale] ? merge(own, overrides[locale]) : own
    cache.set(locale, tree)
  }
  return tree
}
