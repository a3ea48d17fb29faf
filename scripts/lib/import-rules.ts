/**
 * The allowed directions of imports (DESIGN.md "Directions of imports", docs/architecture.md),
 * checked over a module graph: `{ 'reference-idp/x.ts': ['contract/index.ts', ...] }` with
 * repository-relative paths, as madge's `obj()` gives it. Pure: the graph in, the breaches out.
 *
 * Tests (`*.test.ts(x)`) are exempt: a library's own tests may drive it with the simulator's
 * fakes or shared fixtures; the rules are about what production code depends on.
 */

export interface ImportRule {
  /** Files the rule is about (a path prefix). */
  from: string
  /** Why, as DESIGN.md says it. */
  why: string
  /** When given, the only prefixes these files may import. */
  only?: readonly string[]
  /** Prefixes these files must not import. */
  never?: readonly string[]
}

export const IMPORT_RULES: readonly ImportRule[] = [
  {
    from: 'reference-idp/subprocessors/',
    why: 'the vendor layer is a library: it imports contract/ (and the registry schema beside its YAML, dashboards/schema/) and itself, never the rest of the IdP or the simulator',
    only: ['reference-idp/subprocessors/', 'contract/', 'dashboards/schema/'],
  },
  {
    from: 'reference-idp/simulator/',
    why: 'the simulator stands in for vendors over HTTP and imports no IdP code',
    only: ['reference-idp/simulator/', 'contract/'],
  },
  {
    from: 'app/',
    why: "the console reads the collector's API and shared schemas; it imports no reference-idp/ or collector/storage code",
    never: ['reference-idp/', 'collector/storage/'],
  },
]

const isTest = (file: string) => /\.test\.tsx?$/.test(file)

/** One line per import that breaks a rule: `from -> to: why`. */
export function importViolations(graph: Readonly<Record<string, readonly string[]>>, rules: readonly ImportRule[] = IMPORT_RULES): string[] {
  const out: string[] = []
  for (const [file, deps] of Object.entries(graph)) {
    if (isTest(file)) continue
    for (const rule of rules) {
      if (!file.startsWith(rule.from)) continue
      for (const dep of deps) {
        const outside = rule.only && !rule.only.some((p) => dep.startsWith(p))
        const banned = rule.never?.some((p) => dep.startsWith(p))
        if (outside || banned) out.push(`${file} -> ${dep}: ${rule.why}`)
      }
    }
  }
  return out.sort()
}
