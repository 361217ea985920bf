import fs from 'node:fs'
import { parseArgs, parseEnv as parseDotenv } from 'node:util'
import { doctorSecrets, runDoctor } from '../lib/doctor'
import { redactFinding, type EnvSource, type Finding, type FindingStatus } from '../lib/doctor/findings'

// `npm run doctor`: checks this deployment's configuration from the outside and says what to fix.
// Exit code 0 when nothing FAILs, 1 when something does, 2 for bad arguments.

const DEFAULT_ENV_FILES = ['.env', '.env.local']

const USAGE = `Usage:
  npm run doctor [-- --env <path>]... [--json]

Checks the configuration (lib/env.ts), the Scalekit client credentials and connection id, the
login endpoint Scalekit sends people to, and the bridge at APP_URL: https, DNS, /api/health on one
host, the login headers (Cross-Origin-Opener-Policy, Referrer-Policy, CSP) and /api/ready.
With MCP_SERVERS, every server is checked (credentials once per Scalekit environment) and each
line's id carries the server's key, e.g. connection-id:finance.
Sends nothing that starts a login and changes nothing, in the bridge or in Scalekit.

--env <path>       Read KEY=VALUE lines from this file (repeatable; later files win).
                   Default: .env, then .env.local, where present.
                   Variables already set in the environment win over files, as with npm start.
--json             One JSON object on stdout instead of lines.
-h, --help         This text.

Exit code: 0 when no check fails (warnings and skips allowed), 1 when one does, 2 for bad arguments.`

class UsageError extends Error {}

interface Command {
  envFiles: string[]
  json: boolean
  help: boolean
}

function readCommand(argv: string[]): Command {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        env: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const explicit = parsed.values['env'] ?? []
  return {
    envFiles: explicit.length ? explicit : DEFAULT_ENV_FILES.filter((file) => fs.existsSync(file)),
    json: parsed.values.json ?? false,
    help: parsed.values.help ?? false,
  }
}

/** The files' values under process.env: a variable set in the environment is never overridden. */
function loadEnvironment(files: string[]): EnvSource {
  const merged: EnvSource = {}
  for (const file of files) {
    let content: string
    try {
      content = fs.readFileSync(file, 'utf8')
    } catch (error) {
      throw new UsageError(`Cannot read --env ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`)
    }
    Object.assign(merged, parseDotenv(content))
  }
  return { ...merged, ...process.env }
}

const LABELS: Record<FindingStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' }

function formatLine(finding: Finding, idWidth: number): string {
  const fix = finding.status !== 'pass' && finding.fix ? ` Fix: ${finding.fix}` : ''
  return `${LABELS[finding.status]}  ${finding.id.padEnd(idWidth)}  ${finding.summary}${fix}`
}

function countByStatus(findings: Finding[]): Record<FindingStatus, number> {
  const counts: Record<FindingStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 }
  for (const finding of findings) counts[finding.status] += 1
  return counts
}

function printText(findings: Finding[], files: string[]): void {
  const width = Math.max(...findings.map((finding) => finding.id.length))
  console.log(`Checking the bridge's configuration from ${files.length ? `${files.join(', ')} and ` : ''}the environment.\n`)
  for (const finding of findings) console.log(formatLine(finding, width))
  const counts = countByStatus(findings)
  const warnings = `${counts.warn} warning${counts.warn === 1 ? '' : 's'}`
  console.log(`\n${counts.fail} failed, ${warnings}, ${counts.pass} passed, ${counts.skip} skipped.`)
}

async function main(): Promise<number> {
  let command: Command
  let source: EnvSource
  try {
    command = readCommand(process.argv.slice(2))
    if (command.help) {
      console.log(USAGE)
      return 0
    }
    source = loadEnvironment(command.envFiles)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`${error.message}\n\n${USAGE}`)
    return 2
  }
  let findings: Finding[]
  try {
    findings = await runDoctor(source)
  } catch (error) {
    // A bug, not a finding: say what broke, with any configured secret blanked out.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    const { summary } = redactFinding({ id: 'doctor', status: 'fail', summary: message }, doctorSecrets(source))
    console.error(`The doctor stopped unexpectedly: ${summary}`)
    return 1
  }
  const counts = countByStatus(findings)
  if (command.json) {
    console.log(JSON.stringify({ ok: counts.fail === 0, counts, envFiles: command.envFiles, findings }, null, 2))
  } else {
    printText(findings, command.envFiles)
  }
  return counts.fail === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Before the configuration is read there is nothing to redact, so only the kind is printed.
    console.error(`The doctor stopped unexpectedly (${error instanceof Error ? error.name : typeof error}).`)
    process.exit(1)
  },
)
