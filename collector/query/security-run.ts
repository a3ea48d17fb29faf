/**
 * Shared by the security reports' shells (enrollment-report.ts, bypass-report.ts,
 * recovery-report.ts, attack-run.ts): a ClickHouse string column as the API's nullable string.
 */
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
