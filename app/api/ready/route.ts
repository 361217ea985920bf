import { checkReadiness } from '@/lib/server/readiness'
import { isDraining } from '@/lib/server/shutdown'

// Readiness for a load balancer: 200 when this instance can finish a login, 503 naming the part
// that cannot (database, scalekit, peerAddress). Liveness is /api/health. From SIGTERM on, 503
// {"status":"draining"} without checking anything, so balancers stop sending it logins.
export const dynamic = 'force-dynamic'

export async function GET(request: Request) {
  if (isDraining()) return Response.json({ status: 'draining' }, { status: 503, headers: { 'Cache-Control': 'no-store' } })
  const readiness = await checkReadiness(request.headers)
  return Response.json(
    { status: readiness.ready ? 'ready' : 'unavailable', checks: readiness.checks },
    { status: readiness.ready ? 200 : 503, headers: { 'Cache-Control': 'no-store' } },
  )
}
