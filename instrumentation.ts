// Runs once when the server starts: a misconfigured bridge refuses to start, with one message
// naming every bad key, instead of failing on the first login.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  const { startBridge } = await import('./lib/server/startup')
  await startBridge()
}
