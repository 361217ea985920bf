import { Heading } from '../ui'
import { Card } from '../card'

export default function LoginNotFound() {
  return (
    <Card>
      <Heading>Page not found</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">There is no sign-in page at this address. Start again from your MCP client.</p>
    </Card>
  )
}
