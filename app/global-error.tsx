'use client'

export default function GlobalError() {
  return (
    <html lang="en">
      <body>
        <main>
          <h1>Something went wrong</h1>
          <p>The sign-in service hit an unexpected error. Nothing was sent on your behalf. Start again from your MCP client.</p>
        </main>
      </body>
    </html>
  )
}
