import fs from 'node:fs'
import path from 'node:path'

// Checks off the security bar (the numbered cases of docs/security.md): every case must be cited
// by the title of at least one test ("case 7: ...", "cases 16 and 24: ..."). Prints which tests
// cover each case and exits 1 when a case has none.

const ROOT = path.resolve(__dirname, '../..')
const SECURITY_MD = path.join(ROOT, 'docs/security.md')
const SEARCHED = ['e2e', 'lib', 'scripts']

/** The case numbers docs/security.md defines: its lines that start with "N. ". */
export function definedCases(markdown: string): number[] {
  return [...markdown.matchAll(/^(\d+)\. /gm)].map((match) => Number(match[1]))
}

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(full)
    return /\.(spec|test)\.ts$/.test(entry.name) ? [full] : []
  })
}

/** Case numbers a title cites: "case 7", "cases 16 and 24", "case 3, 4 and 9". */
export function citedCases(title: string): number[] {
  const found: number[] = []
  for (const match of title.matchAll(/\bcases?\s+(\d+(?:\s*(?:,|and)\s*\d+)*)/gi)) {
    for (const number of match[1]!.matchAll(/\d+/g)) found.push(Number(number[0]))
  }
  return found
}

function main(): number {
  const covered = new Map<number, string[]>()
  for (const dir of SEARCHED) {
    for (const file of testFiles(path.join(ROOT, dir))) {
      const source = fs.readFileSync(file, 'utf8')
      for (const match of source.matchAll(/\b(?:test|it|describe)(?:\.(?:skip|only|skipIf\([^)]*\)))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
        const title = match[2]!
        for (const number of citedCases(title)) {
          covered.set(number, [...(covered.get(number) ?? []), `${path.relative(ROOT, file)}: ${title.slice(0, 90)}`])
        }
      }
    }
  }
  const cases = definedCases(fs.readFileSync(SECURITY_MD, 'utf8'))
  if (cases.length === 0) {
    console.error(`${path.relative(ROOT, SECURITY_MD)} defines no numbered case`)
    return 1
  }
  const missing: number[] = []
  for (const n of cases) {
    const tests = covered.get(n) ?? []
    if (tests.length === 0) missing.push(n)
    console.log(
      `case ${String(n).padStart(2)}: ${tests.length} test${tests.length === 1 ? '' : 's'}${tests.length ? `  (${tests[0]}${tests.length > 1 ? ', ...' : ''})` : '  MISSING'}`,
    )
  }
  if (missing.length) {
    console.error(`docs/security.md cases without a test citing them: ${missing.join(', ')}`)
    return 1
  }
  console.log(`All ${cases.length} cases of docs/security.md are cited by at least one test.`)
  return 0
}

if (require.main === module) process.exit(main())
