// `npm run build`, after `next build`: completes .next/standalone into the directory the container
// image runs (docs/deployment.md). Next.js traces the server's own files there but leaves out the
// static assets, and the operator commands (scripts/*.ts, run with tsx from the source tree) are
// not part of the server at all. This copies the assets and bundles each command into one file
// under commands/, run with plain node: `node commands/users.cjs list`. esbuild is the one tsx
// installs (a dependency of tsx, hence knip.json's ignoreDependencies), not a dependency of its own.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const STANDALONE = path.join(ROOT, '.next/standalone')

const COMMANDS = ['users', 'ledger', 'doctor', 'db-migrate']

// Left out of the bundles, as next.config.ts's serverExternalPackages keeps them out of the server:
// native addons and packages that load files at run time. The server's trace puts them in
// .next/standalone/node_modules; bundleCommands checks that each one the bundles import is there.
const EXTERNAL = [
  'better-sqlite3',
  '@node-rs/argon2',
  'pg',
  'pg-native',
  'pg-cursor',
  '@scalekit-sdk/node',
  'prom-client',
  '@opentelemetry/*',
]

/** Bundles the operator commands into `outDir`/<name>.cjs; returns the external packages they import. */
async function bundleCommands(outDir) {
  const result = await build({
    entryPoints: Object.fromEntries(COMMANDS.map((name) => [name, path.join(ROOT, 'scripts', `${name}.ts`)])),
    outdir: outDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // 'server-only' resolves to an empty module under react-server, as with `tsx --conditions=react-server`.
    conditions: ['react-server'],
    external: EXTERNAL,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  })
  const imported = new Set()
  for (const output of Object.values(result.metafile.outputs)) {
    for (const entry of output.imports) if (entry.external && !entry.path.startsWith('node:')) imported.add(packageName(entry.path))
  }
  return [...imported].sort()
}

function packageName(specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Fails the build when a package the commands need at run time is not in the standalone directory. */
function checkResolvable(packages) {
  const requireFromStandalone = createRequire(path.join(STANDALONE, 'commands', 'index.cjs'))
  const optional = new Set(['pg-native']) // pg loads it only when asked to (NODE_PG_FORCE_NATIVE)
  const missing = packages.filter((name) => {
    if (optional.has(name)) return false
    try {
      requireFromStandalone.resolve(name)
      return false
    } catch {
      return true
    }
  })
  if (missing.length)
    throw new Error(`The operator commands need ${missing.join(', ')}, which the server's trace left out of .next/standalone`)
}

async function completeStandalone() {
  if (!fs.existsSync(path.join(STANDALONE, 'server.js'))) throw new Error('.next/standalone/server.js is missing: run `next build` first')
  fs.cpSync(path.join(ROOT, '.next/static'), path.join(STANDALONE, '.next/static'), { recursive: true })
  if (fs.existsSync(path.join(ROOT, 'public'))) fs.cpSync(path.join(ROOT, 'public'), path.join(STANDALONE, 'public'), { recursive: true })
  const commands = path.join(STANDALONE, 'commands')
  fs.rmSync(commands, { recursive: true, force: true })
  checkResolvable(await bundleCommands(commands))
  console.log(`.next/standalone: static assets copied, commands bundled (${COMMANDS.map((name) => `commands/${name}.cjs`).join(', ')})`)
}

// `--commands-only <dir>`: only the bundles, into <dir> (scripts/standalone.test.ts runs them there).
const [flag, outDir] = process.argv.slice(2)
const run = flag === '--commands-only' && outDir ? bundleCommands(path.resolve(outDir)) : completeStandalone()
run.catch((error) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
