import { describe, expect, it } from 'vitest';
import { AccountBuilder, daysAgo, digest, NOW, uri } from '../fixtures/account-builder.js';
import { planOf, testConfig } from '../fixtures/plan-helpers.js';
import { imageKey } from '../../src/domain/facts.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const eager = { keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [] as string[] };

function multiArch(opts: { indexInUse: boolean }) {
  const b = new AccountBuilder();
  b.image('web', 'amd64', { tags: [] });
  b.image('web', 'arm64', { tags: [] });
  b.image('web', 'index', { tags: ['v2'], imageManifestMediaType: OCI_INDEX, childDigests: [digest('amd64'), digest('arm64')] });
  b.image('web', 'signature', { tags: [], subjectDigest: digest('index'), artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
  if (opts.indexInUse) b.taskDefinition('web:1', { web: uri('web:v2') }).service('web', [{ td: 'web:1' }]);
  return b.build();
}

describe('image indexes and OCI referrers', () => {
  it('keeps the children and the signature of an index that is in use', () => {
    const { of } = planOf(multiArch({ indexInUse: true }), testConfig(eager));
    for (const name of ['index', 'amd64', 'arm64', 'signature']) expect(of(name).action).toBe('keep');
    expect(of('amd64').referrers).toEqual([expect.objectContaining({ kind: 'image-index', protecting: true })]);
    expect(of('signature').referrers).toEqual([expect.objectContaining({ kind: 'image-subject', protecting: true })]);
  });

  it('deletes an unused index together with its children and signature', () => {
    const { action } = planOf(multiArch({ indexInUse: false }), testConfig(eager));
    expect(['index', 'amd64', 'arm64', 'signature'].map(action)).toEqual(['delete', 'delete', 'delete', 'delete']);
  });

  it('keeps children and signature of an index that keepLatest keeps, and does not count them in the N', () => {
    const { of } = planOf(multiArch({ indexInUse: false }), testConfig({ ...eager, keepLatest: 1 }));
    expect(of('index').reasons.join()).toContain('#1 by push time');
    expect(of('amd64').reasons.join()).toContain('its image index');
    expect(of('signature').reasons.join()).toContain('its subject');
    expect(of('amd64').action).toBe('keep');
  });
});

describe('retention rules', () => {
  it('keeps every image of a repository no rule matches', () => {
    const b = new AccountBuilder();
    b.image('legacy/tool', 'old', { tags: [] });
    const { of } = planOf(b.build(), testConfig({ ...eager, pattern: 'team/*' }));
    expect(of('old').action).toBe('keep');
    expect(of('old').reasons[0]).toContain('out of scope');
  });

  it('lets "*" match nested repository names', () => {
    const b = new AccountBuilder();
    b.image('team/app/api', 'old', { tags: [] });
    expect(planOf(b.build(), testConfig(eager)).action('old')).toBe('delete');
  });

  it('keeps a repository shared with other accounts unless the rule says another set-up covers it', () => {
    const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: ['ecr:BatchGetImage'] }] });
    const b = new AccountBuilder().repository('shared', policy);
    b.image('shared', 'old', { tags: [] });
    expect(planOf(b.build(), testConfig(eager)).of('old').reasons[0]).toContain('arn:aws:iam::210987654321:root');
    expect(planOf(b.build(), testConfig({ ...eager, keepIfSharedWithOtherAccounts: false })).action('old')).toBe('delete');
  });

  it('keeps tags matching keepTags globs', () => {
    const b = new AccountBuilder();
    b.image('app', 'release', { tags: ['release-1.4'] });
    b.image('app', 'feature', { tags: ['feature-x'] });
    const { action } = planOf(b.build(), testConfig({ ...eager, keepTags: ['release-*'] }));
    expect([action('release'), action('feature')]).toEqual(['keep', 'delete']);
  });

  it('keeps images pulled within keepPulledWithinDays, and 0 disables it', () => {
    const b = new AccountBuilder();
    b.image('app', 'pulled', { tags: [], lastRecordedPullTime: daysAgo(3) });
    expect(planOf(b.build(), testConfig({ ...eager, keepPulledWithinDays: 7 })).action('pulled')).toBe('keep');
    expect(planOf(b.build(), testConfig({ ...eager, keepPulledWithinDays: 0 })).action('pulled')).toBe('delete');
  });

  it('never deletes an image younger than minimumImageAgeHours (24 by default), whatever the other rules say', () => {
    const b = new AccountBuilder();
    b.image('app', 'fresh', { tags: [], pushedDaysAgo: 2 / 24 });
    expect(planOf(b.build(), testConfig(eager)).of('fresh').reasons.join()).toContain('minimumImageAgeHours (24)');
    expect(planOf(b.build(), testConfig(eager, { sweep: { minimumImageAgeHours: 0 } })).action('fresh')).toBe('delete');
  });

  it('keeps images pushed within olderThanDays', () => {
    const b = new AccountBuilder();
    b.image('app', 'recent', { tags: [], pushedDaysAgo: 10 });
    b.image('app', 'old', { tags: [], pushedDaysAgo: 40 });
    const { action } = planOf(b.build(), testConfig({ ...eager, olderThanDays: 30 }));
    expect([action('recent'), action('old')]).toEqual(['keep', 'delete']);
  });

  it('breaks push-time ties by digest for keepLatest', () => {
    const b = new AccountBuilder();
    const names = ['t1', 't2', 't3'];
    names.forEach((n) => b.image('app', n, { tags: [], pushedDaysAgo: 50 }));
    const { of } = planOf(b.build(), testConfig({ ...eager, keepLatest: 1 }));
    const winner = names.map(digest).sort()[0];
    expect(names.filter((n) => of(n).action === 'keep').map(digest)).toEqual([winner]);
  });
});

describe('grace period: unreferenced since', () => {
  const config = testConfig({ ...eager, graceDays: 7 });
  const account = () => {
    const b = new AccountBuilder();
    b.image('app', 'idle', { tags: [], pushedDaysAgo: 60 });
    return b.build();
  };

  it('counts from the snapshot capture time when there is no history', () => {
    const { of } = planOf(account(), config);
    expect(of('idle')).toMatchObject({ action: 'keep', unreferencedSince: { at: NOW, source: 'snapshot' } });
    expect(planOf(account(), config, { now: daysAgo(-8) }).action('idle')).toBe('delete');
  });

  it('counts from when the ledger first saw the image unprotected', () => {
    const history = new Map([[imageKey('app', digest('idle')), { unprotectedSince: daysAgo(10) }]]);
    const { of } = planOf(account(), config, { history, historySource: 'ledger' });
    expect(of('idle')).toMatchObject({ action: 'delete', unreferencedSince: { source: 'ledger' } });
  });

  it('counts from now when the ledger has no record, never from the last pull time', () => {
    const b = new AccountBuilder();
    b.image('app', 'idle', { tags: [], pushedDaysAgo: 60, lastRecordedPullTime: daysAgo(50) });
    const { of } = planOf(b.build(), testConfig({ ...eager, graceDays: 7, keepPulledWithinDays: 0 }), { historySource: 'ledger' });
    expect(of('idle')).toMatchObject({ action: 'keep', unreferencedSince: { at: NOW, source: 'now' } });
  });

  it('counts from the push time when that is later', () => {
    const b = new AccountBuilder();
    b.image('app', 'new', { tags: [], pushedDaysAgo: 3 });
    const history = new Map([[imageKey('app', digest('new')), { unprotectedSince: daysAgo(30) }]]);
    expect(planOf(b.build(), config, { history, historySource: 'ledger' }).of('new').unreferencedSince).toEqual({ at: daysAgo(3), source: 'push' });
  });
});

describe('who protects an image', () => {
  it('a running task protects the exact digest it runs, even after its tag moved', () => {
    const b = new AccountBuilder();
    b.image('api', 'running', { tags: [] });
    b.image('api', 'current', { tags: ['prod'] });
    b.taskDefinition('api:1', { api: uri('api:prod') }, 'INACTIVE');
    b.task('t1', 'api:1', [{ name: 'api', image: uri('api:prod'), imageDigest: digest('running') }]);
    const { of } = planOf(b.build(), testConfig(eager, { ecs: { keepLatestRevisions: 0 } }));
    expect(of('running')).toMatchObject({ action: 'keep', referrers: [expect.objectContaining({ kind: 'ecs-task', protecting: true })] });
  });

  it('a stopped task protects for stoppedTaskRetentionHours only', () => {
    const b = new AccountBuilder();
    b.image('api', 'ran', { tags: [] });
    b.taskDefinition('api:1', { api: uri('api:x') }, 'INACTIVE');
    b.task('t1', 'api:1', [{ name: 'api', image: uri('api:x'), imageDigest: digest('ran') }], 'STOPPED', daysAgo(0.5));
    b.task('t2', 'api:1', [{ name: 'api', image: uri('api:x'), imageDigest: digest('ran') }], 'STOPPED', daysAgo(3));
    const { of } = planOf(b.build(), testConfig(eager));
    expect(of('ran').referrers.map((r) => r.protecting)).toEqual([true, false]);
    expect(planOf(b.build(), testConfig(eager), { now: daysAgo(-2) }).action('ran')).toBe('delete');
  });

  it('a service protects the digests ECS pinned for its current service revision', () => {
    const b = new AccountBuilder();
    b.image('api', 'pinned', { tags: [] });
    b.image('api', 'moved', { tags: ['prod'] });
    b.taskDefinition('api:1', { api: uri('api:prod') });
    b.serviceRevision('rev-1', 'api', 'api:1', [{ containerName: 'api', image: uri('api:prod'), imageDigest: digest('pinned') }]);
    b.service('api', [{ td: 'api:1' }], { currentServiceRevisionArns: ['rev-1'] });
    const { of } = planOf(b.build(), testConfig(eager));
    expect(of('pinned').action).toBe('keep');
    expect(of('pinned').reasons.join()).toContain('ECS pinned this digest');
    expect(of('moved').action).toBe('keep');
  });

  it('a task set protects its task definition images', () => {
    const b = new AccountBuilder();
    b.image('api', 'blue', { tags: ['blue'] });
    b.taskDefinition('api:1', { api: uri('api:blue') }, 'INACTIVE');
    b.service('api', [], { taskSets: [{ taskSetArn: 'arn:aws:ecs:us-east-1:123456789012:task-set/prod/api/ecs-svc/1', status: 'ACTIVE', taskDefinition: 'api:1' }] });
    const { of } = planOf(b.build(), testConfig(eager));
    expect(of('blue').referrers.map((r) => r.kind)).toEqual(['ecs-service', 'ecs-task-definition', 'ecs-task-set']);
    expect(of('blue').action).toBe('keep');
  });

  it('a Lambda alias protects every version it routes traffic to', () => {
    const b = new AccountBuilder();
    b.image('fn', 'v1', { tags: [] });
    b.image('fn', 'v2', { tags: [] });
    b.lambda('checkout', '1', uri(`fn@${digest('v1')}`), uri(`fn@${digest('v1')}`));
    b.lambda('checkout', '2', uri(`fn@${digest('v2')}`), uri(`fn@${digest('v2')}`));
    b.alias('checkout', 'live', '2', ['1']);
    const { of } = planOf(b.build(), testConfig(eager));
    expect(of('v1').referrers.map((r) => r.kind)).toEqual(['lambda-alias', 'lambda-function']);
  });

  it('a pin protects an image for consumers the ledger cannot see', () => {
    const b = new AccountBuilder();
    b.image('batch', 'job', { tags: [] });
    b.pin('batch', digest('job'), 'AWS Batch job definition nightly-report');
    const { of } = planOf(b.build(), testConfig(eager));
    expect(of('job')).toMatchObject({ action: 'keep', referrers: [expect.objectContaining({ kind: 'pin', protecting: true })] });
  });

  it('protects every image that claims a tag when inconsistent facts give it to several', () => {
    const b = new AccountBuilder();
    b.image('api', 'first', { tags: ['prod'] });
    b.image('api', 'second', { tags: ['prod'] });
    b.taskDefinition('api:1', { api: uri('api:prod') }).service('api', [{ td: 'api:1' }]);
    const { action } = planOf(b.build(), testConfig(eager));
    expect([action('first'), action('second')]).toEqual(['keep', 'keep']);
  });

  it('ignores non-ECR images and other accounts registries, without error', () => {
    const b = new AccountBuilder();
    b.image('app', 'mine', { tags: ['1'] });
    b.taskDefinition('app:1', { broken: 'Not A Valid Image', nginx: 'nginx:1.27', sidecar: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', other: '999999999999.dkr.ecr.us-east-1.amazonaws.com/app:1', mine: uri('app:1') });
    b.service('app', [{ td: 'app:1' }]);
    const { of } = planOf(b.build(), testConfig(eager));
    expect(of('mine').action).toBe('keep');
  });
});
