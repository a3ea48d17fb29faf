import { writeFileSync } from 'node:fs'
import { ATTR, ATTR_DOCS, OTEL_MAPPING } from './attributes'
import {
  Channel, CircuitState, Client, EVENT_NAMES, Factor, HttpStatusClass, Intent, Outcome,
  REASONS, RiskLevel, SCHEMA_VERSION, UserGroup,
} from './enums'
import { EVENT_SPECS } from './events'

/** Render docs/semantic-conventions.md from the contract, so the page cannot drift from the code. */
export function renderSemanticConventions(): string {
  const enums: Record<string, readonly string[]> = {
    'mfa.factor': Factor.options, 'mfa.channel': Channel.options, 'mfa.outcome': Outcome.options,
    'mfa.user_group': UserGroup.options, 'mfa.client': Client.options, 'mfa.risk_level': RiskLevel.options,
    'mfa.intent': Intent.options, 'mfa.http_status_class': HttpStatusClass.options,
    'mfa.circuit_state': CircuitState.options, 'mfa.circuit_from_state': CircuitState.options,
  }
  const lines = [
    '# FactorWatch MFA semantic conventions',
    '',
    `Schema version **${SCHEMA_VERSION}** (\`mfa.schema_version\`). Generated from \`contract/\` by`,
    '`npm run docs:contract`; do not edit by hand.',
    '',
    'Events are OpenTelemetry log records named (in the record\'s `EventName` field, or else its `event.name`',
    'attribute) by one of the names below.',
    'The emitting service is the resource attribute `service.name`. Spans carry the same attributes.',
    'Attributes outside this list are kept by the collector in a map column, never rejected.',
    '',
    '## Attributes',
    '',
    '| key | type / values | meaning |',
    '| --- | --- | --- |',
  ]
  const numeric = new Set<string>([ATTR.latencyMs, ATTR.attempt, ATTR.costMicros, ATTR.enrolledCount, ATTR.totalCount])
  for (const key of Object.values(ATTR)) {
    const type = enums[key] ? enums[key].map((v) => `\`${v}\``).join(', ') : numeric.has(key) ? 'int' : 'string'
    lines.push(`| \`${key}\` | ${type} | ${ATTR_DOCS[key]} |`)
  }
  lines.push('', '## Events', '', '| event.name | meaning | required attributes | `mfa.reason` values |', '| --- | --- | --- | --- |')
  for (const name of EVENT_NAMES) {
    const spec = EVENT_SPECS[name]
    lines.push(`| \`${name}\` | ${spec.meaning} | ${spec.required.map((k) => `\`${k}\``).join(', ')} | ${REASONS[name].map((r) => `\`${r}\``).join(', ')} |`)
  }
  lines.push('', '## Mapping to OpenTelemetry semantic conventions', '', '| contract | OpenTelemetry | how | note |', '| --- | --- | --- | --- |')
  for (const m of OTEL_MAPPING) lines.push(`| \`${m.contract}\` | ${m.otel.includes('`') ? m.otel : `\`${m.otel}\``} | ${m.how} | ${m.note} |`)
  lines.push(
    '',
    '`equivalent`: a record that carries only the OpenTelemetry key is read as if it carried the contract key. `source`: where the fact is read from. `related`: the same idea under another key, not read in its place.',
  )
  lines.push(
    '',
    '## Rules',
    '',
    '- `mfa.user_hash` is an HMAC of the user id; raw ids, phone numbers, e-mail addresses, codes and secrets never appear in any attribute.',
    '- Every event carries a unique `event.id`; consumers tolerate duplicates and reordering (the collector deduplicates on it).',
    '- A record with an `mfa.`/`gameday.` name that breaks this contract (unknown name, missing required attribute, value outside an enum) is rejected and counted in the OTLP `partial_success` response; the rest of the batch is stored.',
    '',
  )
  return lines.join('\n')
}

if (process.argv[1]?.endsWith('contract/docs.ts')) {
  writeFileSync(new URL('../docs/semantic-conventions.md', import.meta.url), renderSemanticConventions())
  console.log('wrote docs/semantic-conventions.md')
}
