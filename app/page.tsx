import { Heading } from './ui'
import { Card } from './card'

export const metadata = { title: 'MCP login bridge' }

export default function HomePage() {
  return (
    <Card>
      <Heading>MCP login bridge</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">
        This service signs people in for MCP clients such as Claude, Cursor and VS Code. You reach its sign-in page from your MCP client
        when it connects to a protected MCP server; there is nothing to do here directly.
      </p>
    </Card>
  )
}
