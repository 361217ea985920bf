// Small presentational pieces shared by the pages. Server components: no client JavaScript.

export function Card({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-start justify-center px-4 py-16 sm:items-center">
      <div className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">{children}</div>
    </main>
  )
}

export function Heading({ children }: { children: React.ReactNode }) {
  return <h1 className="text-xl font-semibold tracking-tight text-slate-900">{children}</h1>
}

export const buttonPrimary =
  'inline-flex w-full items-center justify-center rounded-lg bg-slate-900 px-4 py-2.5 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 disabled:opacity-60'
export const buttonSecondary =
  'inline-flex w-full items-center justify-center rounded-lg border border-slate-300 bg-white px-4 py-2.5 text-sm font-medium text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900'
export const buttonQuiet =
  'inline-flex w-full items-center justify-center rounded-lg px-4 py-2 text-sm font-medium text-slate-600 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900'
