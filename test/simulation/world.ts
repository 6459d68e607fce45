import { parseConfig, type Config } from '../../src/config.js';
import type { Timeline } from './timeline.js';

/** The simulated registry: one account, one region, one repository. */
export const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
export const HOST = `${SCOPE.accountId}.dkr.ecr.${SCOPE.region}.amazonaws.com`;
export const REPO = 'app';
/** A member account of the organisation (in worlds that have one): it pulls the registry's images through a grant. */
export const MEMBER = '210987654321';
/** A second member account (in some worlds with a member). */
export const SECOND = '310987654321';
export const ORGANIZATION_ID = 'o-simulated01';
/** When every world starts. */
export const START = Date.parse('2026-10-01T00:00:00Z');
export const HOUR = 3_600_000;
export const OCI_IMAGE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** How long ECR takes to restore an archived image in this world. */
export const RESTORE_HOURS = 4;

/** What playing one world found. */
export interface Played {
  readonly violations: readonly string[];
  /** Images nothing used past every window at least three nights before the end: how many, and how many went. */
  readonly liveness: { readonly due: number; readonly gone: number; readonly kept?: readonly string[] };
  readonly stats: { readonly deleted: number; readonly archived: number; readonly refused: number; readonly sweeps: number; readonly purges: number };
}

/** The world's config, from its setting: every rule but time and use waived, so that the promises are the ones checked. */
export function configOf(t: Timeline): Config {
  const s = t.setting;
  return parseConfig({
    repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: s.graceDays, keepTags: [], keepPulledWithinDays: s.keepPulledWithinDays, action: s.action, ...(s.deleteArchivedAfterDays && { deleteArchivedAfterDays: s.deleteArchivedAfterDays }) }],
    sweep: { minimumImageAgeHours: s.minimumImageAgeHours, maxDeletionsPerRun: s.maxDeletionsPerRun },
    ...(s.notice !== undefined && { notice: { daysAhead: s.notice } }),
    ...(s.member && { organization: { id: ORGANIZATION_ID, accounts: [{ id: SCOPE.accountId, regions: [SCOPE.region] }, { id: MEMBER, regions: [s.member.region] }, ...(s.second ? [{ id: SECOND, regions: [s.second.region] }] : [])] } }),
  });
}

/**
 * The registry repository's policy: the member may pull, named by account or through the organisation; with its
 * Lambda functions, the Lambda service too for functions of the member's account (the documented cross-account form).
 */
export function repositoryPolicy(grant: 'account' | 'organization', memberFunctions: boolean, members: readonly string[] = [MEMBER]): string {
  const pull = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
  const statement = grant === 'account'
    ? { Sid: 'MemberPulls', Effect: 'Allow', Principal: { AWS: members.map((m) => `arn:aws:iam::${m}:root`) }, Action: pull }
    : { Sid: 'OrganisationPulls', Effect: 'Allow', Principal: '*', Action: pull, Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID } } };
  const functions = { Sid: 'MemberFunctionsPull', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: pull, Condition: { StringLike: { 'aws:sourceArn': `arn:aws:lambda:${SCOPE.region}:${MEMBER}:function:*` } } };
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement, ...(memberFunctions ? [functions] : [])] });
}
