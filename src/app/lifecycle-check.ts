import type { Config } from '../config.js';
import { imageKey, type Scope } from '../domain/facts.js';
import { groupBy } from '../domain/group-by.js';
import { evaluateLifecycle } from '../domain/lifecycle-policy.js';
import { parseLifecyclePolicy, type LifecycleRule } from '../domain/lifecycle-rules.js';
import { ruleMatcher } from '../domain/retention-policy.js';
import type { Referrer } from '../domain/usage.js';
import { evaluate, viewWarnings, type FactView } from './plan.js';

/** An in-use image a lifecycle rule would expire or archive now, with who uses it. */
export interface EndangeredImage {
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imagePushedAt: string;
  /** Why the rule selects it (its rank by push time, its age). */
  readonly selectedBecause: string;
  /** The referrers that keep it in use. */
  readonly usedBy: readonly Referrer[];
}

export interface RuleFinding {
  readonly rulePriority: number;
  readonly description?: string;
  readonly action: LifecycleRule['action'];
  /** How many images the rule would act on now, in use or not. */
  readonly selected: number;
  readonly endangered: readonly EndangeredImage[];
}

/** An image ECR's own preview and this evaluation disagree on (`null`: not selected by that side). */
export interface PreviewDifference {
  readonly imageDigest: string;
  readonly ecr: { readonly rulePriority: number; readonly action: string } | null;
  readonly ecrLedger: { readonly rulePriority: number; readonly action: string } | null;
}

/** One image a lifecycle rule acts on: as ECR's own preview reports it, or as this evaluation finds it. */
export interface PreviewResult {
  readonly imageDigest: string;
  readonly rulePriority: number;
  readonly action: string;
}

export interface RepositoryFinding {
  readonly repositoryName: string;
  readonly rules: readonly RuleFinding[];
  /** Fields or values of the policy not read (reported, never guessed) and assumptions the evaluation made. */
  readonly problems: readonly string[];
  /** With `--preview`: every image ECR's preview and this evaluation disagree on (empty: they agree). */
  readonly previewDifferences?: readonly PreviewDifference[];
}

export interface LifecycleCheckReport {
  readonly now: string;
  readonly scope: Scope;
  /** In-scope repositories with a lifecycle policy, each with its rules' findings. */
  readonly repositories: readonly RepositoryFinding[];
  readonly repositoriesWithoutPolicy: number;
  /** Images in use that some rule would expire or archive now. */
  readonly endangered: number;
  readonly warnings: readonly string[];
}

/**
 * `lifecycle-check`: every in-scope repository's ECR lifecycle policy evaluated now against the ledger's usage —
 * per rule, the images it would expire or archive although something uses them.
 */
export function lifecycleCheck(view: FactView, config: Config, now: string, previews?: ReadonlyMap<string, readonly PreviewResult[]>): LifecycleCheckReport {
  const plan = evaluate(view, config, now);
  const planned = new Map(plan.images.map((p) => [imageKey(p.image.repositoryName, p.image.imageDigest), p]));
  const inScope = ruleMatcher(config.repositories);
  const images = groupBy(view.facts.images, (i) => i.repositoryName);
  const repositories: RepositoryFinding[] = [];
  let withoutPolicy = 0;
  for (const repository of [...view.facts.repositories].sort((a, b) => a.repositoryName.localeCompare(b.repositoryName))) {
    if (!inScope(repository.repositoryName)) continue;
    if (repository.lifecyclePolicyText === undefined) {
      withoutPolicy += 1;
      continue;
    }
    const policy = parseLifecyclePolicy(repository.lifecyclePolicyText);
    const outcome = evaluateLifecycle(policy, images.get(repository.repositoryName) ?? [], now);
    const rules = policy.rules.map((rule): RuleFinding => {
      const selections = outcome.selections.filter((s) => s.rule === rule);
      const endangered = selections.flatMap((s): EndangeredImage[] => {
        const p = planned.get(imageKey(s.image.repositoryName, s.image.imageDigest));
        if (!p?.inUse) return [];
        return [{ imageDigest: s.image.imageDigest, imageTags: s.image.imageTags, imagePushedAt: s.image.imagePushedAt, selectedBecause: s.why, usedBy: p.referrers.filter((r) => r.protecting) }];
      });
      return { rulePriority: rule.rulePriority, ...(rule.description !== undefined && { description: rule.description }), action: rule.action, selected: selections.length, endangered };
    });
    const preview = previews?.get(repository.repositoryName);
    const ours = outcome.selections.map((s) => ({ imageDigest: s.image.imageDigest, rulePriority: s.rule.rulePriority, action: s.rule.action }));
    repositories.push({
      repositoryName: repository.repositoryName, rules, problems: [...policy.problems, ...outcome.notes],
      ...(preview && { previewDifferences: previewDifferences(preview, ours) }),
    });
  }
  const endangered = repositories.reduce((n, r) => n + r.rules.reduce((m, rule) => m + rule.endangered.length, 0), 0);
  return { now, scope: view.facts.scope, repositories, repositoriesWithoutPolicy: withoutPolicy, endangered, warnings: viewWarnings(view, plan) };
}

function previewDifferences(ecr: readonly PreviewResult[], ours: readonly PreviewResult[]): PreviewDifference[] {
  const theirs = new Map(ecr.map((r) => [r.imageDigest, r]));
  const mine = new Map(ours.map((r) => [r.imageDigest, r]));
  const side = (r: PreviewResult | undefined) => (r ? { rulePriority: r.rulePriority, action: r.action } : null);
  return [...new Set([...theirs.keys(), ...mine.keys()])].sort().flatMap((digest) => {
    const [a, b] = [theirs.get(digest), mine.get(digest)];
    if (a && b && a.rulePriority === b.rulePriority && a.action === b.action) return [];
    return [{ imageDigest: digest, ecr: side(a), ecrLedger: side(b) }];
  });
}
