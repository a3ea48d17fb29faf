// @ts-check
// ESLint over the whole repository's TypeScript: ESLint's and typescript-eslint's recommended
// rules everywhere, and the Next.js rules (the @next/next core-web-vitals set and React's
// rules of hooks, as eslint-config-next 15.5 enables them) for the console in app/.
// Run with `npm run lint` (part of `npm test`).
import js from '@eslint/js'
import nextPlugin from '@next/eslint-plugin-next'
import reactHooks from 'eslint-plugin-react-hooks'
import { defineConfig, globalIgnores } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  globalIgnores(['node_modules/', '.next/', '.data/', 'test-results/', 'coverage/', 'scratch/', 'next-env.d.ts', '**/*.js', '**/*.cjs']),
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.mjs'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // Unused names are defects; a leading underscore marks one kept on purpose (a positional parameter, a rest sibling).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and the generator's test fakes read JSON bodies whose shape is the thing under test.
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'reference-idp/traffic/fake-*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['app/**/*.ts', 'app/**/*.tsx'],
    extends: [nextPlugin.flatConfig.coreWebVitals],
    plugins: { 'react-hooks': reactHooks },
    settings: { next: { rootDir: '.' } },
    rules: reactHooks.configs['recommended-latest'].rules,
  },
)
