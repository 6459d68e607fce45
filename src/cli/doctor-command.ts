import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsCaller } from '../adapters/aws/caller.js';
import { configuredRegion } from '../adapters/aws/clients.js';
import { readerRoleArn } from '../adapters/aws/member-access.js';
import { discoverOrganization } from '../adapters/aws/organization-accounts.js';
import { AwsCentralInspector, AwsMemberInspector } from '../adapters/aws/stack-inspector.js';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import { LAYOUT_VERSION } from '../adapters/ledger-layout.js';
import { organizationScopes } from '../app/organization.js';
import { runDoctor, type DoctorReport } from '../app/stack/doctor.js';
import { MissingRegionError, UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { EXIT } from './command-specs.js';
import { config, print, type Io } from './common.js';

/**
 * `ecr-ledger doctor --stage STAGE [--config FILE]`: checks the deployed stack with the operator's credentials, read
 * only. Exit 0 when every check holds, 5 with findings (each with its fix).
 */
export async function doctorCommand(flags: Flags, io: Io): Promise<number> {
  if (flags.stage === undefined || !/^[a-zA-Z0-9-]+$/.test(flags.stage)) throw new UsageError('doctor needs --stage STAGE (the stage the stack was deployed with, e.g. prod)');
  // --region, else the SDK's own resolution: AWS_REGION, then the profile's region (~/.aws/config).
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? await configuredRegion(flags.profile);
  if (!region) throw new MissingRegionError('no AWS region: give --region NAME, set AWS_REGION, or name a profile with a region');
  const cfg = await config(flags);
  const caller = new AwsCaller();
  const client = { region, ...(flags.profile !== undefined && { profile: flags.profile }) };
  const central = new AwsCentralInspector(caller, client);
  const sts = new STSClient({ ...client });
  const roleName = cfg.organization?.roleName ?? 'ecr-ledger-reader';
  const report = await runDoctor({
    central, clock: () => io.clock(),
    member: async (accountId) => {
      const roleArn = readerRoleArn(accountId, region, roleName);
      const { Credentials } = await caller.call('sts:AssumeRole', () => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ecr-ledger-doctor' })));
      const credentials = async () => ({ accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken!, expiration: Credentials!.Expiration! });
      return new AwsMemberInspector(caller, { region, credentials, roleName });
    },
    members: async () => {
      const home = { accountId: await central.callerAccount(), region };
      const discovered = cfg.organization && 'discover' in cfg.organization ? (await discoverOrganization(caller, new OrganizationsClient({ ...client }))).accounts : [];
      return organizationScopes(cfg, home, discovered);
    },
    ledger: (table) => {
      const ledger = new DynamoDbLedger(new DynamoDBClient({ ...client, retryMode: 'adaptive' }), table);
      return {
        layout: async () => ({ version: await ledger.layout.peek(), current: LAYOUT_VERSION }),
        lastReconcile: async (scope) => { const w = await ledger.watermark(scope); return w && (w.capturedAt < w.reconciledAt ? w.capturedAt : w.reconciledAt); },
        lastSweep: async (scope) => {
          const [last] = await ledger.runs.runs(scope, { limit: 1, now: io.clock().toISOString() });
          return last && { at: last.finishedAt, mode: `${last.mode}, ${last.images} image(s), run ${last.runId}` };
        },
      };
    },
  }, { stage: flags.stage, region, config: cfg, ...(flags.config !== undefined && { configFile: flags.config }) });
  print(io, flags, report, () => renderDoctor(report));
  return report.findings === 0 ? EXIT.ok : EXIT.partial;
}

function renderDoctor(report: DoctorReport): string {
  const lines = [`ecr-ledger doctor: stack ${report.stack} in ${report.region}`];
  for (const c of report.checks) {
    lines.push(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}`);
    if (c.fix) lines.push(...c.fix.split('\n').map((l) => `        fix: ${l}`.replace(/fix: (?=- |  )/, '     ')));
  }
  lines.push(report.findings === 0 ? 'Every check holds.' : `${report.findings} finding(s): each with its fix above.`);
  return lines.join('\n');
}
