import type { Scope } from './facts.js';

/**
 * The repositories a deployed stack may delete from: the `managedRepositories` ARNs its sweep role is granted
 * (comma-separated, IAM wildcards `*` and `?`). The sweep plans deletions only there, so that it never asks IAM for a
 * deletion the role denies; a repository the config selects outside them is named instead.
 */
export type ManagedRepositories = (scope: Scope, repositoryName: string) => boolean;

const ARN = /^arn:(aws|aws-cn|aws-us-gov):ecr:([a-z0-9-*?]+):(\d{12}|[*?]+):repository\/(.+)$/;

/** IAM's wildcards: `*` any run of characters (`/` included), `?` one character. */
function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
}

/** Parses the ARN list; a malformed entry is an error naming it (the deployment stops rather than guess). */
export function managedRepositories(text: string): ManagedRepositories {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new Error('managedRepositories is empty: name the repository ARNs the sweep may delete from (arn:aws:ecr:REGION:ACCOUNT:repository/NAME, wildcards allowed)');
  const patterns = entries.map((entry) => {
    const m = ARN.exec(entry);
    if (!m) throw new Error(`managedRepositories: ${entry} is not an ECR repository ARN (arn:aws:ecr:REGION:ACCOUNT:repository/NAME, wildcards allowed)`);
    return { region: wildcard(m[2]!), account: wildcard(m[3]!), name: wildcard(m[4]!) };
  });
  return (scope, repositoryName) => patterns.some((p) => p.region.test(scope.region) && p.account.test(scope.accountId) && p.name.test(repositoryName));
}
