import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', '.next/**', '.data/**', 'scratch/**', 'test-results/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Integration tests start real processes (collector, IdP, Chromium); two cores here.
    maxWorkers: 2,
    reporters: ['default'],
  },
})
