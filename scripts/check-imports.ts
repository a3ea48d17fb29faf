// `npm run check:imports` (run by `npm test` before vitest): fails on any import cycle and on any
// import against the allowed directions (scripts/lib/import-rules.ts, docs/architecture.md).
//
// Type-only imports (`import type`) count: madge's TypeScript detective is told not to skip
// them, because a cycle of types is still a cycle a reader has to untangle, and a library
// that needs its caller's types is not a library. (madge's default would keep them too; the
// option is spelled out so the intent is visible.)
import madge from 'madge'
import { importViolations } from './lib/import-rules'

const SOURCE_DIRS = ['reference-idp', 'collector', 'contract', 'app', 'dashboards', 'scripts']

const detective = { skipTypeImports: false }

const graph = await madge(SOURCE_DIRS, {
  fileExtensions: ['ts', 'tsx'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: detective, tsx: detective },
})
const files = Object.keys(graph.obj()).length
const cycles = graph.circular()
const breaches = importViolations(graph.obj())

for (const c of cycles) console.error(`import cycle: ${c.join(' -> ')} -> ${c[0]}`)
for (const b of breaches) console.error(`import against the allowed directions: ${b}`)
if (files < 100) {
  console.error(`check-imports: only ${files} files were read; is this the repository root?`)
  process.exit(1)
}
if (cycles.length || breaches.length) {
  console.error(`check-imports: ${cycles.length} cycle(s), ${breaches.length} import(s) against the allowed directions (${files} files)`)
  process.exit(1)
}
console.log(`check-imports: ${files} files, no import cycles, directions of imports as allowed`)
