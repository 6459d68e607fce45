import { readFileSync } from 'node:fs';
import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';
import { expect } from 'vitest';
import type { FakeAccount } from '../../fakes/fake-account.js';
import type { DeployedStack } from './deployed-stack.js';
import { sampleFrom, sqsEvent, type Origin } from './events.js';
import { everyEvent } from './every-event.js';

// Steps the deployed-stack test takes in both stacks.

/**
 * Time left that ends each invocation's batches after its first (the handlers stop a minute before the end), yet
 * leaves the invocation a minute before Lambda (and middy's early timeout) would end it: a loaded machine never
 * times a scenario out, and no call runs on after its invocation.
 */
const ONE_BATCH_MS = 60_000;

/** A sweep that runs out of time after each batch of repositories, its continuations, the last of which finishes it. */
export async function sweepInInvocations(stack: DeployedStack, environment: Record<string, string>, invocations: number) {
  expect(await stack.invoke('sweep', {}, { environment, remainingMs: ONE_BATCH_MS })).toMatchObject({ continues: true });
  for (let n = 2; n <= invocations; n += 1) {
    const queued = stack.cloud.take(stack.template.ref('SweepContinueQueue'));
    expect(queued).toHaveLength(1);
    await stack.invoke('sweepContinue', sqsEvent(queued), { environment, ...(n < invocations && { remainingMs: ONE_BATCH_MS }) });
  }
  expect(stack.cloud.take(stack.template.ref('SweepContinueQueue'))).toEqual([]);
  return stack.logged('sweepContinue', 'sweep report').at(-1)!;
}

/** The `n`th oldest image of a repository in the bundled example account. */
export const digestOf = (repositoryName: string, n: number) => {
  const example = JSON.parse(readFileSync('examples/account.json', 'utf8')) as { ecr: { repositories: Array<{ repositoryName: string; images: Array<{ imageDigest: string; imagePushedAt: string }> }> } };
  return [...example.ecr.repositories.find((r) => r.repositoryName === repositoryName)!.images].sort((a, b) => a.imagePushedAt.localeCompare(b.imagePushedAt))[n]!.imageDigest;
};

/** The stack's config with `sweep.action: archive` and at most `cap` images a run (a mode of the same role). */
export const archiving = (stack: DeployedStack, cap: number) => JSON.stringify({ ...JSON.parse(stack.template.functions.get('sweep')!.environment.ECR_LEDGER_CONFIG!), sweep: { action: 'archive', maxDeletionsPerRun: cap } });

/** One event of every kind from `account`, each to the function its rule targets: each is applied. */
export async function applyEveryEvent(stack: DeployedStack, account: FakeAccount, repository: string, now: string) {
  for (const [fn, given] of everyEvent(account, repository, now)) {
    const event = typeof given === 'function' ? given() : given;
    expect(await stack.invoke(fn, event), `${fn} ${event['detail-type']} ${event.detail?.eventName ?? ''}`).toMatchObject({ outcome: 'applied' });
  }
}

/** ECR archives an image (a lifecycle rule, a person), and its event reaches the ledger. */
export async function archiveInFake(stack: DeployedStack, origin: Origin, repositoryName: string, digest: string): Promise<void> {
  const account = stack.cloud.accounts.get(origin.accountId)!.in(origin.region);
  await account.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName, imageId: { imageDigest: digest }, targetStorageClass: 'ARCHIVE' }));
  const event = sampleFrom('ecr-image-action-archive', origin);
  Object.assign(event.detail, { 'repository-name': repositoryName, 'image-digest': digest });
  expect(await stack.invoke('ecrEvents', event)).toMatchObject({ outcome: 'applied' });
}

