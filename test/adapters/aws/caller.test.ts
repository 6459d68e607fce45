import { describe, expect, it } from 'vitest';
import { AwsCallError, AwsCaller } from '../../../src/adapters/aws/caller.js';
import { awsError } from '../../fakes/faults.js';

const noSleep = { sleep: async () => undefined };

describe('AwsCaller', () => {
  it('retries 5xx and throttles with growing back-off, then succeeds', async () => {
    const delays: number[] = [];
    const caller = new AwsCaller({ baseDelayMs: 100, sleep: async (ms) => void delays.push(ms) });
    const errors = [awsError('ServerException', 'boom', 500), awsError('ThrottlingException', 'slow down'), awsError('TooManyRequestsException', 'slow', 429)];
    const result = await caller.call('ecs:ListClusters', async () => {
      const next = errors.shift();
      if (next) throw next;
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(caller.counts.get('ecs:ListClusters')).toBe(4);
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => expect(d).toBeGreaterThanOrEqual((100 * 2 ** i) / 2));
  });

  it('does not retry a client error, and names the API', async () => {
    const caller = new AwsCaller(noSleep);
    let calls = 0;
    const failing = caller.call('ecr:DescribeImages', async () => {
      calls += 1;
      throw awsError('RepositoryNotFoundException', 'no such repository');
    });
    await expect(failing).rejects.toThrow('ecr:DescribeImages failed: RepositoryNotFoundException: no such repository');
    expect(calls).toBe(1);
  });

  it('marks denied calls so that optional APIs can degrade', async () => {
    const caller = new AwsCaller(noSleep);
    const error = await caller.call('ecs:ListServiceDeployments', async () => { throw awsError('AccessDeniedException', 'no'); }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).denied).toBe(true);
  });

  it('keeps at most `concurrency` calls in flight per service', async () => {
    const caller = new AwsCaller({ ...noSleep, concurrency: 3 });
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const call = (api: string) => caller.call(api, async () => {
      const service = api.split(':')[0]!;
      inFlight.set(service, (inFlight.get(service) ?? 0) + 1);
      peak.set(service, Math.max(peak.get(service) ?? 0, inFlight.get(service)!));
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight.set(service, inFlight.get(service)! - 1);
    });
    await Promise.all([...Array.from({ length: 20 }, () => call('ecs:DescribeTasks')), ...Array.from({ length: 20 }, () => call('ecr:DescribeImages'))]);
    expect(peak).toEqual(new Map([['ecs', 3], ['ecr', 3]]));
  });
});
