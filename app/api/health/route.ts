// Liveness only: the process is up and serving. Readiness (database, Scalekit) is a separate check.
export function GET() {
  return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } })
}
