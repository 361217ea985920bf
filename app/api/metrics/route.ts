import { notFound } from 'next/navigation'
import { getEnv } from '@/lib/env'
import { metricsResponse } from '@/lib/server/metrics/endpoint'

// Prometheus scrapes this with `Authorization: Bearer $METRICS_TOKEN`; without METRICS_TOKEN the
// address does not exist (security.md case 47). Metric names: docs/operations.md.
export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export async function GET(request: Request) {
  const token = getEnv().METRICS_TOKEN
  if (!token) notFound()
  return metricsResponse(request, token)
}
