'use client'

import { useCrashWords } from './crash-words'

/** The root layout failed: its words are there only when it failed after rendering in the browser. */
export default function GlobalError() {
  const { locale, words } = useCrashWords()
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
