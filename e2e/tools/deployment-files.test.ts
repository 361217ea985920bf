import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// The deployment files (Dockerfile, compose, Kubernetes) agree with the bridge: the entry point and
// probes name real routes, and every grace period outlasts the graceful shutdown. Read as text, as
// no YAML parser is a dependency; each check fails when the value it reads is missing.

const ROOT = path.resolve(__dirname, '../..')
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8')

function number(text: string, pattern: RegExp): number {
  const match = pattern.exec(text)
  if (!match?.[1]) throw new Error(`${pattern} not found`)
  return Number(match[1])
}

const defaultShutdownSeconds = number(read('lib/env.ts'), /boundedInt\('SHUTDOWN_TIMEOUT_SECONDS', \d+, \d+, (\d+)\)/)

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile')

  it('runs the standalone server as the unprivileged node user, on Node 20, with a health check on /api/health', () => {
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:20-bookworm-slim')
    expect(dockerfile).toContain('RUN npm run build')
    expect(dockerfile).toContain('COPY --from=build /app/.next/standalone ./')
    expect(dockerfile).toMatch(/\nUSER node\n/)
    expect(dockerfile).toMatch(/\nCMD \["node", "server\.js"\]\n$/)
    expect(dockerfile).toMatch(
      /HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| 3000\) \+ '\/api\/health'\)/,
    )
    expect(dockerfile).toMatch(/HOSTNAME=0\.0\.0\.0/)
  })

  it('keeps secrets and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n')
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.env.*', '!.env.example', 'node_modules', '.next', '.data', '.git']))
  })
})

describe('compose', () => {
  it('gives the bridge longer than the shutdown timeout to stop, and runs the migrations first', () => {
    const compose = read('compose.yaml')
    expect(number(compose, /stop_grace_period: (\d+)s/)).toBeGreaterThan(defaultShutdownSeconds)
    expect(compose).toContain("command: ['node', 'commands/db-migrate.cjs']")
    expect(compose).toMatch(/migrate:\n\s+condition: service_completed_successfully/)
  })

  it('trusts exactly the one proxy of the scale-out example', () => {
    expect(read('deploy/compose.scale-out.yaml')).toMatch(/replicas: 2[\s\S]*TRUSTED_PROXY_HOPS: '1'/)
    const nginx = read('deploy/nginx/bridge.conf')
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;')
    expect(nginx).toContain('proxy_set_header Host $http_host;')
  })
})

describe('the Kubernetes manifests', () => {
  const deployment = read('deploy/kubernetes/deployment.yaml')

  it('probes liveness on /api/health and readiness on /api/ready', () => {
    expect(deployment).toMatch(/livenessProbe:\n\s+httpGet:\n\s+path: \/api\/health/)
    expect(deployment).toMatch(/readinessProbe:\n\s+httpGet:\n\s+path: \/api\/ready/)
  })

  it('gives each pod longer than the preStop pause plus SHUTDOWN_TIMEOUT_SECONDS to stop', () => {
    const grace = number(deployment, /terminationGracePeriodSeconds: (\d+)/)
    const pause = number(deployment, /command: \['sleep', '(\d+)'\]/)
    const timeout = number(deployment, /name: SHUTDOWN_TIMEOUT_SECONDS\n\s+value: '(\d+)'/)
    expect(grace).toBeGreaterThan(pause + timeout)
  })

  it('lists only files that exist, with a disruption budget and a migration job on the same labels', () => {
    const kustomization = read('deploy/kubernetes/kustomization.yaml')
    const resources = [...kustomization.matchAll(/^ {2}- (\S+\.yaml)$/gm)].map((match) => match[1]!)
    expect(resources).toEqual(['migrate-job.yaml', 'deployment.yaml', 'service.yaml', 'pod-disruption-budget.yaml'])
    for (const file of resources) expect(fs.existsSync(path.join(ROOT, 'deploy/kubernetes', file))).toBe(true)
    expect(read('deploy/kubernetes/pod-disruption-budget.yaml')).toMatch(
      /matchLabels:\n\s+app\.kubernetes\.io\/name: byoa-bridge\n\s+app\.kubernetes\.io\/component: server/,
    )
    expect(deployment).toMatch(/labels:\n\s+app\.kubernetes\.io\/name: byoa-bridge\n\s+app\.kubernetes\.io\/component: server/)
    expect(read('deploy/kubernetes/migrate-job.yaml')).toContain("command: ['node', 'commands/db-migrate.cjs']")
  })
})
