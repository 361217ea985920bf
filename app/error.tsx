'use client'

export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-xl font-semibold">Something went wrong</h1>
        <p className="mt-3 text-sm text-slate-600">
          The sign-in service hit an unexpected error. Nothing was sent on your behalf. Try again, or start again from your MCP client.
        </p>
        <button type="button" onClick={reset} className="mt-6 rounded-lg bg-slate-900 px-4 py-2 text-sm font-medium text-white">
          Try again
        </button>
      </div>
    </main>
  )
}
