import type { z } from 'zod'
import { ATTR, EVENT_NAMES, EVENT_SPECS, type EventName, MfaAttributes, REASONS, validateEvent } from '../../contract'

/*
 * The contract's checks, compiled once from its zod schemas into plain predicates, so the hot
 * path of ingest spends no zod parse per record. The compiled form says only yes or no; a
 * refusal (rare) asks zod itself for the message, so what an exporter reads in
 * partial_success is exactly the contract's wording. contract-check.test.ts proves the two
 * agree over the contract's examples and fuzzed variations of them.
 */

type Check = (v: unknown) => boolean

interface ZodDef { type: string; innerType?: ZodLike; checks?: { _zod: { def: Record<string, unknown> } }[]; entries?: Record<string, string> }
interface ZodLike { _zod: { def: ZodDef } }

/** One zod check of a string or number schema as a predicate; anything not understood throws at start-up. */
function compileCheck(kind: 'string' | 'number', def: Record<string, unknown>, key: string): Check {
  switch (def.check) {
    case 'min_length': { const n = def.minimum as number; return (v) => (v as string).length >= n }
    case 'max_length': { const n = def.maximum as number; return (v) => (v as string).length <= n }
    case 'string_format': {
      if (def.format !== 'regex') break
      const re = def.pattern as RegExp
      return (v) => { re.lastIndex = 0; return re.test(v as string) }
    }
    case 'number_format': if (def.format === 'safeint') return (v) => Number.isSafeInteger(v); break
    case 'greater_than': { const n = def.value as number; return def.inclusive ? (v) => (v as number) >= n : (v) => (v as number) > n }
    case 'less_than': { const n = def.value as number; return def.inclusive ? (v) => (v as number) <= n : (v) => (v as number) < n }
  }
  throw new Error(`contract-check: cannot compile zod ${kind} check ${JSON.stringify(def.check)}/${JSON.stringify(def.format)} of ${key}`)
}

/** A zod schema (string, number, enum, optional of those) as a predicate over one attribute value. */
export function compileSchema(schema: z.ZodType, key: string): Check {
  const def = (schema as unknown as ZodLike)._zod.def
  if (def.type === 'optional') {
    const inner = compileSchema(def.innerType as unknown as z.ZodType, key)
    return (v) => v === undefined || inner(v)
  }
  if (def.type === 'enum') {
    const values = new Set<unknown>(Object.values(def.entries ?? {}))
    return (v) => values.has(v)
  }
  if (def.type === 'string' || def.type === 'number') {
    const kind = def.type
    const checks = (def.checks ?? []).map((c) => compileCheck(kind, c._zod.def, key))
    const base: Check = kind === 'string' ? (v) => typeof v === 'string' : (v) => typeof v === 'number' && Number.isFinite(v)
    return (v) => {
      if (!base(v)) return false
      for (let i = 0; i < checks.length; i++) if (!checks[i](v)) return false
      return true
    }
  }
  throw new Error(`contract-check: cannot compile zod type ${def.type} of ${key}`)
}

interface EventCheck { required: readonly string[]; reasons: ReadonlySet<string> }

const ATTR_CHECKS: ReadonlyArray<readonly [string, Check]> = Object.entries(MfaAttributes.shape).map(([k, s]) => [k, compileSchema(s as z.ZodType, k)] as const)
const EVENTS = new Map<string, EventCheck>(EVENT_NAMES.map((n) => [n, { required: EVENT_SPECS[n as EventName].required, reasons: new Set<string>(REASONS[n as EventName]) }]))

/**
 * True exactly when `validateEvent(attrs).ok` would be. Unknown keys pass, as in the contract.
 */
export function contractOk(attrs: Record<string, unknown>): boolean {
  const name = attrs[ATTR.eventName]
  if (typeof name !== 'string') return false
  const spec = EVENTS.get(name)
  if (spec === undefined) return false
  for (let i = 0; i < spec.required.length; i++) {
    const v = attrs[spec.required[i]]
    if (v === undefined || v === null || v === '') return false
  }
  for (let i = 0; i < ATTR_CHECKS.length; i++) {
    const [k, check] = ATTR_CHECKS[i]
    if (!check(attrs[k])) return false
  }
  const reason = attrs[ATTR.reason]
  return reason === undefined || spec.reasons.has(String(reason))
}

/** null when the event keeps the contract, else the contract's own message (from zod, off the hot path). */
export function contractError(attrs: Record<string, unknown>): string | null {
  if (contractOk(attrs)) return null
  const v = validateEvent(attrs)
  // The two agree by test; should they ever not, the record is refused with a plain message.
  return v.ok ? 'contract check disagrees with validateEvent' : v.error
}
