import { startCompanyApi } from './company-api'
import { startCompanyApp } from './company-app'
import { startTestIdp } from './idp'
import { readUpstreamOptionsFromEnv } from './options'

async function main(): Promise<void> {
  const options = readUpstreamOptionsFromEnv()
  const idp = await startTestIdp(options.idp)
  console.log(`upstream IdP listening on ${idp.issuer} (fault switches on ${idp.controlUrl})`)
  const companyApi = await startCompanyApi(options.companyApi)
  console.log(`upstream company API listening on ${companyApi.url}`)
  const companyApp = await startCompanyApp(options.companyApp)
  console.log(`upstream company app listening on ${companyApp.url}`)

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    Promise.all([idp.close(), companyApi.close(), companyApp.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  console.error('upstreams failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
