import { describe, expect, it } from 'vitest';
import { play } from './play.js';
import type { Setting, Timeline } from './timeline.js';

/**
 * Worlds written by hand for holes the long run found or that its features reach: each is a timeline the simulator
 * plays with the product's real code and judges by what happened, as a seed would be.
 */
const quiet: Setting = { graceDays: 1, minimumImageAgeHours: 0, keepPulledWithinDays: 0, action: 'delete', maxDeletionsPerRun: 100, rates: { lost: 0, late: 0, twice: 0 } };

describe('crafted worlds', () => {
  it('a member\'s function version only a sweep has seen, deleted unheard: its image keeps its grace (the sweep stores the member uses it reads that the ledger lacks)', async () => {
    const timeline: Timeline = {
      seed: 0,
      setting: { ...quiet, member: { grant: 'account', region: 'us-east-1' }, lambda: true },
      ops: [
        { op: 'push', tag: 'v1' },
        { op: 'reconcile' },
        { op: 'tick', hours: 25 },
        { op: 'reconcile' }, // v1 unused for a day: deletable under graceDays 1
        { op: 'deployFunction', fn: 0, tag: 'v1', member: true, delivery: 'lost' },
        { op: 'sweep' }, // its live read of the member sees the version: v1 kept, and the use is heard
        { op: 'tick', hours: 1 },
        { op: 'deleteFunction', fn: 0, all: true, delivery: 'lost', member: true },
        { op: 'tick', hours: 1 },
        { op: 'sweep' }, // the version is gone: v1 must keep a day of grace from the end of that use
        { op: 'tick', hours: 6 },
        { op: 'reconcile' },
        { op: 'sweep' },
        { op: 'tick', hours: 30 },
        { op: 'reconcile' },
        { op: 'sweep' },
      ],
    };
    const played = await play(timeline);
    expect(played.violations).toEqual([]);
    expect(played.stats.deleted).toBeGreaterThan(0); // and it does go once its grace is over
  });

  it('the same for a member\'s scheduled family whose registration and deregistration are both unheard', async () => {
    const timeline: Timeline = {
      seed: 0,
      setting: { ...quiet, member: { grant: 'organization', region: 'us-east-1' } },
      ops: [
        { op: 'push', tag: 'v1' },
        { op: 'reconcile' },
        { op: 'tick', hours: 25 },
        { op: 'reconcile' },
        { op: 'schedule', tag: 'v1', byDigest: false, member: true, delivery: 'lost' },
        { op: 'sweep' },
        { op: 'tick', hours: 1 },
        { op: 'unschedule', which: 0, delivery: 'lost' },
        { op: 'tick', hours: 1 },
        { op: 'sweep' },
        { op: 'tick', hours: 6 },
        { op: 'reconcile' },
        { op: 'sweep' },
        { op: 'tick', hours: 30 },
        { op: 'reconcile' },
        { op: 'sweep' },
      ],
    };
    const played = await play(timeline);
    expect(played.violations).toEqual([]);
    expect(played.stats.deleted).toBeGreaterThan(0);
  });

  for (const member of [false, true]) {
    it(`a task${member ? ' of a member' : ''} whose RUNNING and STOPPED are both lost, seen running only by a sweep, then forgotten by ECS: its digest keeps the stopped-task retention`, async () => {
      const timeline: Timeline = {
        seed: 0,
        setting: { ...quiet, ...(member && { member: { grant: 'account' as const, region: 'us-east-1' } }) },
        ops: [
          { op: 'push', tag: 'v1' },
          { op: 'reconcile' },
          { op: 'tick', hours: 25 },
          { op: 'reconcile' },
          { op: 'run', tag: 'v1', byDigest: false, ...(member && { member: true as const }), delivery: 'lost' },
          { op: 'sweep' }, // its live read sees the task running: heard
          { op: 'push', tag: 'v1' }, // the tag moves on: the task's digest is held by the task alone
          { op: 'tick', hours: 1 },
          { op: 'stop', task: 0, delivery: 'lost' },
          { op: 'tick', hours: 1 },
          { op: 'forget' },
          { op: 'sweep' },
          { op: 'tick', hours: 6 },
          { op: 'reconcile' },
          { op: 'sweep' },
          { op: 'tick', hours: 60 },
          { op: 'reconcile' },
          { op: 'sweep' },
        ],
      };
      const played = await play(timeline);
      expect(played.violations).toEqual([]);
      expect(played.stats.deleted).toBeGreaterThan(0);
    });
  }
});
