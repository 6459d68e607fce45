import { describe, expect, it } from 'vitest';
import type { Announcement, AnnouncementStore } from '../../../src/app/ports.js';
import { splitByNotice } from '../../../src/app/sweep/notice-gate.js';
import { parseConfig } from '../../../src/config.js';
import { imageKey, type AccountFacts, type ImageFact } from '../../../src/domain/facts.js';
import { planRetention } from '../../../src/domain/retention-policy.js';
import { emptyFacts } from '../../../src/app/indexed-usage.js';
import { digest } from '../../fixtures/account-builder.js';

/** The notice gate keeps the notice's promises (issue 24, points 3 to 5), judged on plans of a small registry. */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const NOW = '2026-11-18T00:00:00.000Z';
const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z`;

function store(announcements: Announcement[]): AnnouncementStore {
  return {
    announcements: async (_scope, images) => new Map(announcements.filter((a) => images.some((i) => i.imageDigest === a.imageDigest)).map((a) => [imageKey(a.repositoryName, a.imageDigest), a])),
    recordAnnouncements: async () => undefined,
  };
}

function registry(images: Array<Partial<ImageFact> & { name: string }>): AccountFacts {
  const facts = emptyFacts(SCOPE, NOW);
  facts.repositories.push({ repositoryName: 'app' });
  for (const { name, ...rest } of images) facts.images.push({ repositoryName: 'app', imageDigest: digest(name), imageTags: [], imagePushedAt: at(1), imageSizeInBytes: 1, childDigests: [], ...rest });
  return facts;
}

const plan = (facts: AccountFacts, history: Record<string, string>, config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 30 }], sweep: { minimumImageAgeHours: 0 }, notice: { daysAhead: 3 } })) => ({
  config,
  planned: planRetention(facts, new Map(Object.entries(history).map(([name, since]) => [imageKey('app', digest(name)), { unprotectedSince: since }])), { config, now: NOW, historySource: 'ledger' }).images.filter((p) => p.action === 'delete'),
});
const announced = (name: string, announcedAt: string, deletableFrom: string, unreferencedSince: string): Announcement => ({ repositoryName: 'app', imageDigest: digest(name), announcedAt, deletableFrom, unreferencedSince });
const names = (list: ReadonlyArray<{ imageDigest: string }>) => list.map((i) => ['old', 'subject', 'signature', 'index', 'child'].find((n) => digest(n) === i.imageDigest));

describe('the notice gate keeps the notice\'s promises', () => {
  it('never deletes before the deletableFrom it announced, though notice.daysAhead was lowered since', async () => {
    const { config, planned } = plan(registry([{ name: 'old' }]), { old: at(1) });
    // Announced on 11-14 with daysAhead 7 (deletable from 11-21); the config now says 3.
    const gate = await splitByNotice(store([announced('old', at(14), at(21), at(1))]), config, SCOPE, planned, NOW);
    expect(gate.ready).toEqual([]);
    expect(gate.waiting[0]!.waitingFor).toBe(`announced ${at(14)}: deletable from ${at(21)} (as announced; notice.daysAhead 3)`);
    expect(names((await splitByNotice(store([announced('old', at(14), at(21), at(1))]), config, SCOPE, planned, at(21))).ready.map((p) => p.image))).toEqual(['old']);
  });

  it('a pin added after the announcement and removed again makes it stale (the removal is a release)', async () => {
    const facts = registry([{ name: 'old' }]);
    const config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 }, notice: { daysAhead: 3 } });
    // unpinImage stamped releasedAt at the removal (11-16), after the announcement of 11-14.
    const planned = planRetention(facts, new Map([[imageKey('app', digest('old')), { unprotectedSince: at(1), releasedAt: at(16) }]]), { config, now: NOW, historySource: 'ledger' }).images.filter((p) => p.action === 'delete');
    const gate = await splitByNotice(store([announced('old', at(14), at(17), at(1))]), config, SCOPE, planned, NOW);
    expect(gate.ready).toEqual([]);
    expect(gate.waiting[0]!.waitingFor).toContain('but used, pinned or pulled since');
  });

  it('a pull after the announcement makes it stale when the rule counts pulls: it is announced again', async () => {
    const pulled = registry([{ name: 'old', lastRecordedPullTime: '2026-10-01T00:00:00.000Z' }]); // pulled after the announcement below, more than 30 days ago now
    const { config, planned } = plan(pulled, { old: at(1) }, parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 30 }], sweep: { minimumImageAgeHours: 0 }, notice: { daysAhead: 3 } }));
    expect(planned[0]!.countedPullAt).toBe('2026-10-01T00:00:00.000Z');
    const gate = await splitByNotice(store([announced('old', '2026-09-20T00:00:00.000Z', '2026-09-23T00:00:00.000Z', at(1))]), config, SCOPE, planned, NOW);
    expect(gate.ready).toEqual([]);
    expect(gate.waiting[0]!.waitingFor).toContain('but used, pinned or pulled since: it is announced again');
    // With pulls not counted (keepPulledWithinDays 0), the same announcement still speaks for it.
    const ignored = plan(pulled, { old: at(1) }, parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 }, notice: { daysAhead: 3 } }));
    expect((await splitByNotice(store([announced('old', '2026-09-20T00:00:00.000Z', '2026-09-23T00:00:00.000Z', at(1))]), ignored.config, SCOPE, ignored.planned, NOW)).ready).toHaveLength(1);
  });

  it("a signature waits with its subject, and an index's children with the index, when one of them was announced later", async () => {
    const facts = registry([
      { name: 'subject' }, { name: 'signature', subjectDigest: digest('subject'), artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
      { name: 'index', childDigests: [digest('child')] }, { name: 'child' },
    ]);
    const { config, planned } = plan(facts, { subject: at(10), signature: at(1), index: at(1), child: at(1) });
    expect(names(planned.map((p) => p.image)).sort()).toEqual(['child', 'index', 'signature', 'subject']);
    const gate = await splitByNotice(store([
      announced('subject', at(5), at(8), at(1)), // used again on 11-10: this announcement is stale
      announced('signature', at(5), at(8), at(1)),
      announced('index', at(14), at(17), at(1)),
      announced('child', at(5), at(8), at(1)),
    ]), config, SCOPE, planned, NOW);
    expect(names(gate.ready.map((p) => p.image)).sort()).toEqual(['child', 'index']);
    const signature = gate.waiting.find((w) => w.imageDigest === digest('signature'))!;
    expect(signature.waitingFor).toBe(`waits with its family (index, children, artifacts): app@${digest('subject')}: announced ${at(5)}, but used, pinned or pulled since: it is announced again, and deleted only 3 day(s) after that`);
  });
});
