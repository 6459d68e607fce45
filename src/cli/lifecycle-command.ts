import { AwsCaller, mapConcurrent } from '../adapters/aws/caller.js';
import { createAwsClients } from '../adapters/aws/clients.js';
import { previewLifecycle } from '../adapters/aws/lifecycle-preview.js';
import { lifecycleCheck, type LifecycleCheckReport, type PreviewResult } from '../app/lifecycle-check.js';
import { shortDigest } from '../app/views.js';
import { UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { config, nowOf, print, type Io } from './common.js';
import { EXIT } from './command-specs.js';
import { progressReporter, reportWarnings } from './live-source.js';
import { readFactView } from './sources.js';


export async function lifecycleCheckCommand(flags: Flags, io: Io): Promise<number> {
  if (flags.preview && [flags.snapshot, flags.ledger, flags.table].some((f) => f !== undefined)) {
    throw new UsageError('--preview runs ECR\'s own lifecycle preview on live AWS: give no --snapshot, --ledger or --table with it');
  }
  const cfg = await config(flags);
  const source = await readFactView(flags, undefined, { io, config: cfg });
  try {
    const now = nowOf(flags, io, source.defaultNow);
    const withPolicy = source.view.facts.repositories.filter((r) => r.lifecyclePolicyText !== undefined).map((r) => r.repositoryName);
    const previews = flags.preview ? await runPreviews(flags, io, withPolicy) : undefined;
    const report = lifecycleCheck(source.view, cfg, now, previews);
    reportWarnings(io, report.warnings);
    print(io, flags, report, () => renderLifecycleCheck(report));
    return report.endangered > 0 ? EXIT.findings : 0;
  } finally {
    await source.close();
  }
}

async function runPreviews(flags: Flags, io: Io, repositories: readonly string[]): Promise<Map<string, PreviewResult[]>> {
  const clients = (io.aws ?? createAwsClients)({ ...(flags.region !== undefined && { region: flags.region }), ...(flags.profile !== undefined && { profile: flags.profile }) });
  try {
    const caller = new AwsCaller();
    const progress = progressReporter(io, flags.quiet);
    let done = 0;
    const results = await mapConcurrent(repositories, 2, async (name) => {
      const preview = await previewLifecycle(caller, clients.ecr, name);
      progress(`ECR lifecycle preview: ${(done += 1)}/${repositories.length} repositories`);
      return [name, preview] as const;
    });
    return new Map(results);
  } finally {
    clients.destroy();
  }
}

export function renderLifecycleCheck(report: LifecycleCheckReport): string {
  const out = [`Lifecycle policies checked at ${report.now} (${report.scope.accountId}/${report.scope.region}): ${report.repositories.length} repositories with a policy, ${report.repositoriesWithoutPolicy} without.`];
  for (const repo of report.repositories) {
    out.push('', `${repo.repositoryName}`);
    for (const rule of repo.rules) {
      out.push(`  rule ${rule.rulePriority}${rule.description ? ` (${rule.description})` : ''}: would ${rule.action} ${rule.selected} image(s), ${rule.endangered.length} of them IN USE`);
      for (const image of rule.endangered) {
        out.push(`    ${shortDigest(image.imageDigest)}  ${image.imageTags.join(',') || '<untagged>'}  ${image.selectedBecause}`);
        for (const r of image.usedBy) out.push(`      used by ${r.kind} ${r.id} (${r.account}/${r.region}): ${r.reason}`);
      }
    }
    for (const problem of repo.problems) out.push(`  note: ${problem}`);
    if (repo.previewDifferences) {
      out.push(repo.previewDifferences.length === 0 ? '  ECR\'s own preview agrees.' : `  ECR's own preview differs on ${repo.previewDifferences.length} image(s):`);
      for (const d of repo.previewDifferences) out.push(`    ${shortDigest(d.imageDigest)}  ECR: ${d.ecr ? `rule ${d.ecr.rulePriority} ${d.ecr.action}` : 'not selected'}; ecr-ledger: ${d.ecrLedger ? `rule ${d.ecrLedger.rulePriority} ${d.ecrLedger.action}` : 'not selected'}`);
    }
  }
  out.push('', report.endangered > 0
    ? `${report.endangered} image(s) in use would be expired or archived by a lifecycle policy now (exit ${EXIT.findings}).`
    : 'No lifecycle rule would expire or archive an image in use now.');
  return out.join('\n');
}
