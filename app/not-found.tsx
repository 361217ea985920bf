import { Heading } from './ui'
import { Card } from './card'

export default function NotFound() {
  return (
    <Card>
      <Heading>Page not found</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">There is nothing at this address.</p>
    </Card>
  )
}
