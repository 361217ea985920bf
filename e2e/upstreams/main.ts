import { recordSecret, resolveSecretsFile } from '../support/issued-secrets'
import { COMPANY_API_USERS, startCompanyApi } from './company-api'
import { COMPANY_APP_USERS, startCompanyApp } from './company-app'
import { IDP_USERS, startTestIdp } from './idp'
import { readUpstreamOptionsFromEnv } from './options'

async function main(): Promise<void> {
  const options = readUpstreamOptionsFromEnv()
  // Only the e2e suite runs this file; what the IdP issues and the people's fixed passwords go
  // to the run's secrets file, which e2e/tools/scan-logs.ts checks the logs against.
  const secretsFile = resolveSecretsFile()
  for (const user of [...Object.values(IDP_USERS), ...Object.values(COMPANY_API_USERS), ...Object.values(COMPANY_APP_USERS)]) {
    recordSecret('upstream_password', user.password, secretsFile)
  }
  const idp = await startTestIdp({ ...options.idp, secretsFile })
  console.log(`upstream IdP listening on ${idp.issuer} (fault switches on ${idp.controlUrl})`)
  const companyApi = await startCompanyApi(options.companyApi)
  console.log(`upstream company API listening on ${companyApi.url}`)
  const companyApp = await startCompanyApp({ ...options.companyApp, secretsFile })
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
