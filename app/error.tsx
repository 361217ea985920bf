'use client'

import { useCrashWords } from './crash-words'

export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const { words } = useCrashWords()
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-xl font-semibold">{words.heading}</h1>
        <p className="mt-3 text-sm text-slate-600">{words.message}</p>
        <button type="button" onClick={reset} className="mt-6 rounded-lg bg-slate-900 px-4 py-2 text-sm font-medium text-white">
          {words.tryAgain}
        </button>
      </div>
    </main>
  )
}
