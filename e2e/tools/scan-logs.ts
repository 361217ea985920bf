import fs from 'node:fs'
import { staticSecrets } from '../support/config'
import { MIN_SECRET_LENGTH, readSecrets, type IssuedSecret } from '../support/issued-secrets'

// Security case 12: after a browser-suite run, no log may hold a password, secret, token, code or
// raw state the run used, and bridge log lines carry login request ids only as hashes (`cid`).
// Security case 55: the links and tokens the suite's SMTP server received are among those secrets.
// Security case 48: the same for the spans the bridges exported (one JSON line each, written by
// e2e/otlp/receiver.ts), which also hold no email address and no raw login request id.
//
//   npx tsx e2e/tools/scan-logs.ts --secrets <secrets.jsonl> <log or spans file>...
//
// Exit 0: clean. Exit 1: a leak, or a run too thin to prove anything. Exit 2: wrong arguments or
// unreadable files. A leak is reported by file, line and kind, with the secret's first 4
// characters at most, so the report is no new leak.

/** Below these the recorder or the log capture is broken, and a clean scan would prove nothing. */
const MIN_RECORDED = { password: 3, scalekit_token: 1, browser_cookie: 1, mail_token: 1 } as const
const MIN_LOGIN_COMPLETED = 5

const RAW_LOGIN_REQUEST_ID = /lri_[A-Za-z0-9]{24}/
/** How every line lib/server/log.ts writes begins; other processes' lines may name login requests. */
const BRIDGE_LOG_LINE = '{"t":"'
const LOGIN_COMPLETED = '"event":"login_completed"'
/** How every line of an exported spans file begins. */
const SPAN_LINE = '{"traceId":"'
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/
/** Below this, spans files were given but the bridges exported (almost) nothing: proof of nothing. */
const MIN_SPAN_LINES = 20
const SPANS_FILE = /(^|\/)spans-[^/]*\.jsonl$/

interface Needle {
  text: string
  kind: string
  form: 'raw' | 'url-encoded' | 'json-escaped'
}

interface Finding {
  file: string
  line: number
  what: string
}

interface ScanResult {
  findings: Finding[]
  problems: string[]
  summary: string
}

function scanLogs(secrets: IssuedSecret[], logs: Array<{ file: string; text: string }>): ScanResult {
  const problems: string[] = []
  const recorded = countByKind(secrets)
  for (const [kind, minimum] of Object.entries(MIN_RECORDED)) {
    const count = recorded.get(kind) ?? 0
    if (count < minimum) problems.push(`the secrets file holds ${count} ${kind} (at least ${minimum} expected): is the recorder broken?`)
  }

  const checked = uniqueSecrets([...secrets, ...staticSecrets()])
  const needles = buildNeedleIndex(checked)
  const findings: Finding[] = []
  let lines = 0
  let loginsCompleted = 0
  let spanLines = 0
  for (const { file, text } of logs) {
    const fileLines = text.split('\n')
    if (fileLines.at(-1) === '') fileLines.pop()
    fileLines.forEach((line, index) => {
      lines += 1
      if (line.includes(LOGIN_COMPLETED)) loginsCompleted += 1
      if (line.startsWith(SPAN_LINE)) spanLines += 1
      findings.push(...findingsIn(line, needles).map((what) => ({ file, line: index + 1, what })))
    })
  }
  if (logs.some(({ file }) => SPANS_FILE.test(file)) && spanLines < MIN_SPAN_LINES) {
    problems.push(`the spans files hold ${spanLines} spans (at least ${MIN_SPAN_LINES} expected): did the bridges export them?`)
  }
  if (loginsCompleted < MIN_LOGIN_COMPLETED) {
    problems.push(
      `the logs hold ${loginsCompleted} login_completed lines (at least ${MIN_LOGIN_COMPLETED} expected): were the bridge logs captured?`,
    )
  }

  const kinds = [...countByKind(checked)].map(([kind, count]) => `${count} ${kind}`).join(', ')
  const result = findings.length === 0 && problems.length === 0 ? 'PASS' : `FAIL (${findings.length} findings, ${problems.length} problems)`
  const summary = `scan-e2e-logs: ${checked.length} secrets (${kinds}) checked against ${lines} lines (${spanLines} spans) in ${logs.length} files, ${loginsCompleted} logins completed: ${result}`
  return { findings, problems, summary }
}

/** What one line leaks: a recorded secret; in a bridge log line or a span, a raw login request id; in a span, an email. */
function findingsIn(line: string, needles: Map<string, Needle[]>): string[] {
  const found = findNeedles(line, needles).map((needle) => `${needle.kind} ${preview(needle.text)} (${needle.form})`)
  const span = line.startsWith(SPAN_LINE)
  if (span || line.includes(BRIDGE_LOG_LINE)) {
    const id = RAW_LOGIN_REQUEST_ID.exec(line)
    if (id) found.push(`raw login_request_id ${preview(id[0])} in a ${span ? 'span' : 'bridge log line'}`)
  }
  const email = span ? EMAIL.exec(line) : null
  if (email) found.push(`email address ${preview(email[0])} in a span`)
  return found
}

function countByKind(secrets: IssuedSecret[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { kind } of secrets) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  return counts
}

/** One entry per value (the first kind recorded wins), too-short values left out. */
function uniqueSecrets(secrets: IssuedSecret[]): IssuedSecret[] {
  const byValue = new Map<string, IssuedSecret>()
  for (const secret of secrets) {
    if (secret.value.length >= MIN_SECRET_LENGTH && !byValue.has(secret.value)) byValue.set(secret.value, secret)
  }
  return [...byValue.values()]
}

/**
 * Needles grouped by their last MIN_SECRET_LENGTH characters: a line is read once, each position
 * costs one map lookup, so thousands of secrets over megabytes of logs take seconds. The end, not
 * the start, because every JWT of one issuer starts alike while its signature ends at random.
 */
function buildNeedleIndex(secrets: IssuedSecret[]): Map<string, Needle[]> {
  const index = new Map<string, Needle[]>()
  const add = (needle: Needle) => {
    const key = needle.text.slice(-MIN_SECRET_LENGTH)
    const bucket = index.get(key)
    if (bucket) bucket.push(needle)
    else index.set(key, [needle])
  }
  for (const { kind, value } of secrets) {
    add({ text: value, kind, form: 'raw' })
    const encoded = encodeURIComponent(value)
    if (encoded !== value) add({ text: encoded, kind, form: 'url-encoded' })
    // Inside a JSON log line a quote, backslash or control character is escaped.
    const escaped = JSON.stringify(value).slice(1, -1)
    if (escaped !== value) add({ text: escaped, kind, form: 'json-escaped' })
  }
  return index
}

function findNeedles(line: string, index: Map<string, Needle[]>): Needle[] {
  const found = new Set<Needle>()
  for (let end = MIN_SECRET_LENGTH; end <= line.length; end++) {
    const bucket = index.get(line.slice(end - MIN_SECRET_LENGTH, end))
    if (!bucket) continue
    for (const needle of bucket) if (line.endsWith(needle.text, end)) found.add(needle)
  }
  return [...found]
}

function preview(secret: string): string {
  return `${secret.slice(0, 4)}…`
}

function parseArguments(argv: string[]): { secretsFile: string; logFiles: string[] } | undefined {
  const logFiles: string[] = []
  let secretsFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i] ?? ''
    if (argument === '--secrets') secretsFile = argv[++i]
    else if (argument.startsWith('--secrets=')) secretsFile = argument.slice('--secrets='.length)
    else if (argument.startsWith('--')) return undefined
    else logFiles.push(argument)
  }
  return secretsFile && logFiles.length > 0 ? { secretsFile, logFiles } : undefined
}

function main(): number {
  const args = parseArguments(process.argv.slice(2))
  if (!args) {
    console.error('usage: npx tsx e2e/tools/scan-logs.ts --secrets <secrets.jsonl> <log file>...')
    return 2
  }
  let secrets: IssuedSecret[]
  let logs: Array<{ file: string; text: string }>
  try {
    secrets = readSecrets(args.secretsFile)
    logs = args.logFiles.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }))
  } catch (error) {
    console.error(`scan-e2e-logs: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  const { findings, problems, summary } = scanLogs(secrets, logs)
  for (const finding of findings) console.error(`${finding.file}:${finding.line}: ${finding.what}`)
  for (const problem of problems) console.error(`scan-e2e-logs: ${problem}`)
  console.log(summary)
  return findings.length === 0 && problems.length === 0 ? 0 : 1
}

process.exitCode = main()
