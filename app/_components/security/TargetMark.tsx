import type { TargetStatus } from '../../../contract/security'

const TEXT: Record<TargetStatus, string> = { met: '✓ Met', missed: '✗ Missed', no_target: 'No target', no_data: 'No data' }
const CLASS: Record<TargetStatus, string> = { met: 'badge badge-ok', missed: 'badge badge-bad', no_target: 'badge badge-neutral', no_data: 'badge badge-neutral' }

/** Met or missed against a target, said in words and a sign (never by colour alone). */
export function TargetMark({ status }: { status: TargetStatus }) {
  return <span className={CLASS[status]} data-status={status}>{TEXT[status]}</span>
}

export const targetText = (status: TargetStatus): string => TEXT[status]
