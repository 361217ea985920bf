'use client'

import { useCrashWords } from './crash-words'

/** The root layout failed, so no locale was set: the browser's own languages. */
const browserLanguages = () => navigator.languages

export default function GlobalError() {
  const { locale, words } = useCrashWords(browserLanguages)
  return (
    <html lang={locale}>
      <body>
        <main>
          <h1>{words.heading}</h1>
          <p>{words.globalMessage}</p>
        </main>
      </body>
    </html>
  )
}
