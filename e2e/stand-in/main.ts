import { readStandInOptionsFromEnv, startScalekitStandIn } from './scalekit'

async function main(): Promise<void> {
  const standIn = await startScalekitStandIn(readStandInOptionsFromEnv())
  console.log(`scalekit stand-in listening on ${standIn.url}`)

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    standIn.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  console.error('scalekit stand-in failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
