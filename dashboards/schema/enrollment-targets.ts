import { z } from 'zod'
import { UserGroup } from '../../contract'
import { dashboardsPath, loadYamlFile } from './yaml-file'

/**
 * dashboards/enrollment-targets.yaml: what the security lead holds enrollment to (M8). Shares
 * are 0..1. A group left out of `coverage` or `phishing_resistant` has no target there; the
 * report says so instead of judging it.
 */
const Share = z.number().min(0, 'expected a share from 0 to 1').max(1, 'expected a share from 0 to 1 (1 = 100 %)')
const ByGroup = z.partialRecord(UserGroup, Share)

export const EnrollmentTargetsFile = z
  .object({
    version: z.literal(1),
    /** Share of a group's accounts with an active second factor. */
    coverage: ByGroup,
    /** Share of a group's accounts with a phishing-resistant factor (WebAuthn / passkeys). */
    phishing_resistant: ByGroup.default({}),
    /** Most users (all groups) allowed to have SMS as their only second factor, as a share of all accounts. */
    sms_only_max_share: Share.optional(),
  })
  .strict()
export type EnrollmentTargetsFile = z.infer<typeof EnrollmentTargetsFile>

export const ENROLLMENT_TARGETS_FILE = dashboardsPath('enrollment-targets.yaml')

/** Read and validate the targets; throws RulesFileError naming the file, the field and the reason. */
export function loadEnrollmentTargets(path: string = ENROLLMENT_TARGETS_FILE): EnrollmentTargetsFile & { source: string } {
  return { ...loadYamlFile(EnrollmentTargetsFile, path), source: path === ENROLLMENT_TARGETS_FILE ? 'dashboards/enrollment-targets.yaml' : path }
}
