/**
 * A small JSON Schema (draft 2020-12) validator for the subset zod's `z.toJSONSchema` writes, so
 * a test can check a real answer against the schema an OpenAPI document publishes (not against
 * the zod schema it came from). A keyword outside the subset throws rather than being ignored,
 * so the check cannot pass by skipping what it does not understand. `$ref` is resolved as a
 * JSON pointer into `root` (the whole OpenAPI document).
 */

type Schema = Record<string, unknown> | boolean

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'format', 'deprecated', 'readOnly', 'writeOnly', '$comment'])

export function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`)
  let node: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`unresolvable $ref ${ref}`)
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

function hasType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v)
  if (t === 'number') return typeof v === 'number' && Number.isFinite(v)
  return typeOf(v) === t
}

/** The problems of `value` against `schema`, each as `path: what`; empty when it conforms. */
export function validate(schema: Schema, value: unknown, root: unknown, path = '$'): string[] {
  if (schema === true) return []
  if (schema === false) return [`${path}: not allowed`]
  const errs: string[] = []
  for (const [k, s] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue
    switch (k) {
      case '$ref': errs.push(...validate(resolveRef(root, s as string) as Schema, value, root, path)); break
      case 'type': {
        const types = Array.isArray(s) ? (s as string[]) : [s as string]
        if (!types.some((t) => hasType(value, t))) errs.push(`${path}: expected ${types.join('|')}, got ${typeOf(value)}`)
        break
      }
      case 'enum': if (!(s as unknown[]).some((x) => x === value)) errs.push(`${path}: ${JSON.stringify(value)} not in enum`); break
      case 'const': if (s !== value) errs.push(`${path}: expected ${JSON.stringify(s)}, got ${JSON.stringify(value)}`); break
      case 'minimum': if (typeof value === 'number' && value < (s as number)) errs.push(`${path}: ${value} < ${s}`); break
      case 'maximum': if (typeof value === 'number' && value > (s as number)) errs.push(`${path}: ${value} > ${s}`); break
      case 'exclusiveMinimum': if (typeof value === 'number' && value <= (s as number)) errs.push(`${path}: ${value} <= ${s}`); break
      case 'exclusiveMaximum': if (typeof value === 'number' && value >= (s as number)) errs.push(`${path}: ${value} >= ${s}`); break
      case 'pattern': if (typeof value === 'string' && !new RegExp(s as string, 'u').test(value)) errs.push(`${path}: does not match ${s}`); break
      case 'minLength': if (typeof value === 'string' && value.length < (s as number)) errs.push(`${path}: shorter than ${s}`); break
      case 'maxLength': if (typeof value === 'string' && value.length > (s as number)) errs.push(`${path}: longer than ${s}`); break
      case 'minItems': if (Array.isArray(value) && value.length < (s as number)) errs.push(`${path}: fewer than ${s} items`); break
      case 'maxItems': if (Array.isArray(value) && value.length > (s as number)) errs.push(`${path}: more than ${s} items`); break
      case 'required':
        if (typeOf(value) === 'object') for (const key of s as string[]) if (!(key in (value as object))) errs.push(`${path}: missing ${key}`)
        break
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [key, sub] of Object.entries(s as Record<string, Schema>)) {
            if (key in (value as object)) errs.push(...validate(sub, (value as Record<string, unknown>)[key], root, `${path}.${key}`))
          }
        }
        break
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const declared = new Set(Object.keys((schema.properties as object | undefined) ?? {}))
          for (const [key, v] of Object.entries(value as object)) if (!declared.has(key)) errs.push(...validate(s as Schema, v, root, `${path}.${key}`))
        }
        break
      case 'propertyNames':
        if (typeOf(value) === 'object') for (const key of Object.keys(value as object)) errs.push(...validate(s as Schema, key, root, `${path}[name ${key}]`))
        break
      case 'prefixItems':
        if (Array.isArray(value)) (s as Schema[]).forEach((sub, i) => { if (i < value.length) errs.push(...validate(sub, value[i], root, `${path}[${i}]`)) })
        break
      case 'items':
        if (Array.isArray(value)) {
          const from = Array.isArray(schema.prefixItems) ? schema.prefixItems.length : 0
          value.slice(from).forEach((v, i) => errs.push(...validate(s as Schema, v, root, `${path}[${from + i}]`)))
        }
        break
      case 'anyOf':
        if (!(s as Schema[]).some((sub) => validate(sub, value, root, path).length === 0)) errs.push(`${path}: matches none of anyOf`)
        break
      case 'oneOf': {
        const n = (s as Schema[]).filter((sub) => validate(sub, value, root, path).length === 0).length
        if (n !== 1) errs.push(`${path}: matches ${n} of oneOf, expected exactly 1`)
        break
      }
      case 'allOf': for (const sub of s as Schema[]) errs.push(...validate(sub, value, root, path)); break
      default: throw new Error(`${path}: JSON Schema keyword ${k} is not supported by this checker`)
    }
  }
  return errs
}
