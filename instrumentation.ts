// Runs once when the server starts: a misconfigured bridge refuses to start, with one message
// naming every bad key, instead of failing on the first login. Traces start first (only when the
// OTEL_* variables ask for them: lib/server/tracing.ts), so they cover the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  const { startTracing } = await import('./lib/server/tracing')
  await startTracing()
  const { startBridge } = await import('./lib/server/startup')
  await startBridge()
}
