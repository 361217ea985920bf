import { defineConfig } from 'vitest/config'
import path from 'node:path'

export default defineConfig({
  resolve: {
    alias: {
      '@': import.meta.dirname,
      // lib/ files start with `import 'server-only'`, which throws outside a React server build.
      'server-only': path.join(import.meta.dirname, 'e2e/tools/server-only-noop.ts'),
    },
  },
  test: {
    include: [
      'lib/**/*.test.ts',
      'e2e/stand-in/**/*.test.ts',
      'e2e/upstreams/**/*.test.ts',
      'scripts/**/*.test.ts',
      'e2e/tools/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
