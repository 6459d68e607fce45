import { describe, expect, it } from 'vitest';
import { AccountBuilder, digest, uri } from '../fixtures/account-builder.js';
import { planOf, testConfig } from '../fixtures/plan-helpers.js';

/** The real-world cases of shared/docs/context.md, each a test that fails when the protection is removed. */

// §2 — the sidecar case: fluentd rebuilt on every build, app deploys often, middleware rarely.
function sidecarAccount(opts: { middlewareRuns?: boolean } = {}) {
  const b = new AccountBuilder();
  ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'].forEach((tag, i) => b.image('fluentd', tag, { pushedDaysAgo: 90 - i * 10 }));
  b.image('app', 'app-image', { tags: ['v1'], pushedDaysAgo: 90 });
  const td = (tag: string) => ({ app: uri('app:v1'), fluentd: uri(`fluentd:${tag}`) });
  b.taskDefinition('app:1', td('aaaa')).taskDefinition('app:2', td('bbbb')).taskDefinition('app:3', td('cccc'))
    .taskDefinition('app:4', td('dddd')).taskDefinition('app:5', td('eeee'))
    .taskDefinition('middleware:1', td('aaaa')).taskDefinition('middleware:2', td('bbbb'));
  b.service('app', [{ td: 'app:5' }]);
  if (opts.middlewareRuns !== false) b.service('middleware', [{ td: 'middleware:2' }]);
  return b.build();
}

describe('context §2: lifecycle policies delete images that are still running', () => {
  const keepNewest3 = testConfig({ keepLatest: 3, olderThanDays: 0, graceDays: 0, keepTags: [] }, { ecs: { rollbackRevisions: 0 } });

  it('keeps the sidecar image bbbb that middleware:2 runs, although app deploys often', () => {
    const { of } = planOf(sidecarAccount(), keepNewest3);
    expect(of('bbbb').action).toBe('keep');
    expect(of('bbbb').reasons.join('\n')).toContain('service middleware deploys it');
    expect(of('bbbb').referrers.map((r) => r.id)).toContain('arn:aws:ecs:us-east-1:123456789012:service/prod/middleware');
  });

  it('still keeps bbbb without the middleware service: middleware:2 is the newest revision standalone tasks launch', () => {
    const { of } = planOf(sidecarAccount({ middlewareRuns: false }), testConfig({ keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [] }, { ecs: { rollbackRevisions: 0 } }));
    expect(of('bbbb').reasons.join()).toContain('newest ACTIVE revisions of a family no service uses');
  });

  it('deletes bbbb once nothing runs middleware and its newest revisions are not kept (the protection is what keeps it)', () => {
    const { action } = planOf(sidecarAccount({ middlewareRuns: false }), testConfig({ keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [] }, { ecs: { rollbackRevisions: 0, keepLatestRevisions: 0 } }));
    expect(action('bbbb')).toBe('delete');
    expect(action('eeee')).toBe('keep');
  });

  it('in-use images do not use up keepLatest: eeee is in use, so dddd and cccc fill the newest N', () => {
    const { of, action } = planOf(sidecarAccount(), testConfig({ keepLatest: 1, olderThanDays: 0, graceDays: 0, keepTags: [] }, { ecs: { rollbackRevisions: 0 } }));
    expect(action('eeee')).toBe('keep');
    expect(of('dddd').reasons.join()).toContain('#1 by push time');
    expect(action('cccc')).toBe('delete');
    expect(action('aaaa')).toBe('delete');
  });
});

// §3 — the protection window of a task-definition family.
function revisionsAccount() {
  const b = new AccountBuilder();
  for (let rev = 1; rev <= 11; rev += 1) {
    b.image('api', `api-${rev}`, { tags: [`r${rev}`], pushedDaysAgo: 200 - rev });
    b.taskDefinition(`app:${rev}`, { api: uri(`api:r${rev}`) }, rev === 8 ? 'INACTIVE' : 'ACTIVE');
  }
  b.service('app', [{ td: 'app:9' }]);
  return b;
}

describe('context §3: what must stay protected (task-definition revisions)', () => {
  const rules = testConfig({ keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [] });

  it('protects newest, between, in-service and rollback revisions and nothing else', () => {
    const { action } = planOf(revisionsAccount().build(), rules);
    const kept = Array.from({ length: 11 }, (_, i) => i + 1).filter((rev) => action(`api-${rev}`) === 'keep');
    expect(kept).toEqual([7, 9, 10, 11]);
  });

  it('explains each protected revision', () => {
    const { of } = planOf(revisionsAccount().build(), rules);
    expect(of('api-11').reasons.join()).toContain('newest ACTIVE revision');
    expect(of('api-10').reasons.join()).toContain('between the newest revision and app:9');
    expect(of('api-9').reasons.join()).toContain('service app deploys it');
    expect(of('api-7').reasons.join()).toContain('rollback target below app:9');
    expect(of('api-8').referrers[0]).toMatchObject({ kind: 'ecs-task-definition', protecting: false });
  });

  it('protects the last completed deployment, which the circuit breaker rolls back to after failed deployments', () => {
    const b = new AccountBuilder();
    for (let rev = 1; rev <= 12; rev += 1) {
      b.image('api', `api-${rev}`, { tags: [`r${rev}`], pushedDaysAgo: 200 - rev });
      b.taskDefinition(`app:${rev}`, { api: uri(`api:r${rev}`) });
    }
    b.service('app', [{ td: 'app:12', rolloutState: 'IN_PROGRESS' }]);
    b.serviceRevision('rev-7', 'app', 'app:7', []).serviceRevision('rev-10', 'app', 'app:10', []).serviceRevision('rev-11', 'app', 'app:11', []);
    b.serviceDeployment('dep-7', 'app', 'SUCCESSFUL', 'rev-7', 30).serviceDeployment('dep-10', 'app', 'ROLLBACK_SUCCESSFUL', 'rev-10', 20).serviceDeployment('dep-11', 'app', 'STOPPED', 'rev-11', 10);
    const { action, of } = planOf(b.build(), rules);
    expect(action('api-7')).toBe('keep');
    expect(of('api-7').reasons.join()).toContain('last completed deployment of service app');
    expect(action('api-12')).toBe('keep');
    expect(action('api-11')).toBe('keep'); // rollback target below the in-service revision
    expect(action('api-10')).toBe('delete');
  });

  it('keeps the newest revisions of a family no service uses, for standalone and scheduled tasks', () => {
    const b = new AccountBuilder();
    for (let rev = 1; rev <= 3; rev += 1) {
      b.image('batch', `batch-${rev}`, { tags: [`r${rev}`] });
      b.taskDefinition(`nightly:${rev}`, { job: uri(`batch:r${rev}`) });
    }
    const { action } = planOf(b.build(), testConfig({ keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [] }, { ecs: { keepLatestRevisions: 2 } }));
    expect([action('batch-3'), action('batch-2'), action('batch-1')]).toEqual(['keep', 'keep', 'delete']);
  });
});

describe('context §4: delete only if older than X days AND not among the newest N', () => {
  it('a fast-moving repository keeps yesterday images and a slow one is never emptied', () => {
    const b = new AccountBuilder();
    for (let i = 0; i < 20; i += 1) b.image('fast', `fast-${i}`, { pushedDaysAgo: 1 + i / 100 });
    for (let i = 0; i < 3; i += 1) b.image('slow', `slow-${i}`, { pushedDaysAgo: 365 + i });
    const { result } = planOf(b.build(), testConfig({ keepLatest: 5, olderThanDays: 30, graceDays: 0 }));
    expect(result.images.filter((p) => p.action === 'delete')).toEqual([]);
  });

  it('deletes what is both old and beyond the newest N', () => {
    const b = new AccountBuilder();
    for (let i = 0; i < 8; i += 1) b.image('slow', `slow-${i}`, { pushedDaysAgo: 100 + i });
    const { result } = planOf(b.build(), testConfig({ keepLatest: 5, olderThanDays: 30, graceDays: 0 }));
    expect(result.images.filter((p) => p.action === 'delete').map((p) => p.image.imageDigest).sort()).toEqual(['slow-5', 'slow-6', 'slow-7'].map(digest).sort());
  });
});

describe('context §5/§1: full picture — Lambda, multi-arch, signatures', () => {
  it('keeps the digest a Lambda version runs after its tag moved to a new image', () => {
    const b = new AccountBuilder();
    b.image('fn', 'old', { tags: [], pushedDaysAgo: 90 });
    b.image('fn', 'new', { tags: ['prod'], pushedDaysAgo: 60 });
    b.lambda('checkout', '3', uri('fn:prod'), uri(`fn@${digest('old')}`));
    const { of } = planOf(b.build(), testConfig({ keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [] }));
    expect(of('old').action).toBe('keep');
    expect(of('old').referrers[0]).toMatchObject({ kind: 'lambda-function', protecting: true });
    expect(of('new').action).toBe('keep');
  });
});
