import 'server-only'
import { createTranslator } from 'use-intl/core'
import type { Brand } from '../brand/config'
import type { Env } from '../env'
import { isLocale, type Locale } from '../i18n/locales'
import { messagesFor } from '../i18n/messages'

// Every message the bridge sends has one shape: a heading, a few paragraphs, at most one button
// (with its link also written out, for mail clients that show no HTML), and a footer naming who
// sent it. Plain typed templates rather than a React renderer: four short messages, and the same
// words must make a text part that reads well on its own. Words come from messages/{locale}/*.json
// (MESSAGES_DIR overrides included) in the person's language, through use-intl's core (the engine
// of next-intl, without React, so the worker runs it wherever it is started); the brand's name and
// colour are used.

export interface MailBody {
  subject: string
  heading: string
  paragraphs: string[]
  action?: { label: string; url: string }
  /** Below the button: why the message came, what to do if it was not you. */
  after?: string[]
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const FALLBACK_COLOR = { color: '#1d4ed8', text: '#ffffff' }

function htmlPart(body: MailBody, brand: Brand, footer: string, lang: string): string {
  const { color, text } = brand.primary ?? FALLBACK_COLOR
  const p = (line: string) => `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(line)}</p>`
  const button = body.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(body.action.url)}" style="background:${color};color:${text};padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;font-weight:600">${escapeHtml(body.action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:13px;color:#4b5563;word-break:break-all">${escapeHtml(body.action.url)}</p>`
    : ''
  return [
    `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><title>${escapeHtml(body.subject)}</title></head>`,
    `<body style="margin:0;padding:24px;background:#f3f4f6;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#111827">`,
    `<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">`,
    brand.name ? `<p style="margin:0 0 24px;font-weight:700;color:${color}">${escapeHtml(brand.name)}</p>` : '',
    `<h1 style="margin:0 0 16px;font-size:20px">${escapeHtml(body.heading)}</h1>`,
    ...body.paragraphs.map(p),
    button,
    ...(body.after ?? []).map(p),
    `<p style="margin:24px 0 0;font-size:12px;color:#4b5563">${escapeHtml(footer)}</p>`,
    `</div></body></html>`,
  ].join('')
}

function textPart(body: MailBody, footer: string): string {
  const blocks = [body.heading, ...body.paragraphs]
  if (body.action) blocks.push(`${body.action.label}:\n${body.action.url}`)
  blocks.push(...(body.after ?? []), `--\n${footer}`)
  return `${blocks.join('\n\n')}\n`
}

export function renderMail(body: MailBody, brand: Brand, footer: string, locale: Locale): RenderedMail {
  return { subject: body.subject, text: textPart(body, footer), html: htmlPart(body, brand, footer, locale) }
}

/** Reads one message of a namespace, with ICU arguments (dates are shown in DISPLAY_TIME_ZONE). */
export type MailTranslator = (key: string, values?: Record<string, string | number | Date>) => string

/** The translator of one namespace in the stored locale (the page's, when the message was asked for). */
export function mailWords(env: Env, stored: string, namespace: string): { locale: Locale; t: MailTranslator } {
  const locale: Locale = isLocale(stored) ? stored : env.DEFAULT_LOCALE
  const messages = messagesFor(locale, env.messageOverrides)
  // The namespace is chosen at run time, so the catalogue's key types cannot follow it.
  const t = createTranslator({ locale, messages, namespace: namespace as never, timeZone: env.DISPLAY_TIME_ZONE })
  return { locale, t: t as unknown as MailTranslator }
}

/** The footer every message ends with: who sent it, from where. */
export function mailFooter(env: Env, stored: string): string {
  const { t } = mailWords(env, stored, 'mail')
  return t('footer', { brand: env.brand.name ?? new URL(env.APP_URL).host, url: env.APP_URL })
}
