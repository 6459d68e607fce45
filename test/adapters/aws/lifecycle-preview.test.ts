import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { previewLifecycle } from '../../../src/adapters/aws/lifecycle-preview.js';
import { digest } from '../../fixtures/account-builder.js';
import { FakeEcr } from '../../fakes/fake-ecr.js';

const POLICY = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] });

describe('ECR lifecycle policy preview', () => {
  it('starts the preview, waits while ECR says IN_PROGRESS, and reads every page of the result', async () => {
    const ecr = new FakeEcr().addRepository('app', undefined, POLICY);
    ecr.previewPolls = 3;
    const results = Array.from({ length: 150 }, (_, i) => ({ imageDigest: digest(`i${i}`), appliedRulePriority: 1, action: { type: 'EXPIRE' as const } }));
    ecr.lifecyclePreviews.set('app', results);
    const sleeps: number[] = [];
    const preview = await previewLifecycle(new AwsCaller({ sleep: async () => undefined }), ecr.client, 'app', { sleep: async (ms) => void sleeps.push(ms), pollMs: 10 });
    expect(preview).toHaveLength(150);
    expect(preview[0]).toEqual({ imageDigest: digest('i0'), rulePriority: 1, action: 'expire' });
    expect(sleeps).toEqual([10, 10, 10]);
  });

  it('gives up with a clear error when ECR does not finish in time', async () => {
    const ecr = new FakeEcr().addRepository('app', undefined, POLICY);
    ecr.previewPolls = 1000;
    await expect(previewLifecycle(new AwsCaller({ sleep: async () => undefined }), ecr.client, 'app', { sleep: async () => undefined, pollMs: 1000, timeoutMs: 5000 }))
      .rejects.toThrow('ecr:GetLifecyclePolicyPreview in app: ECR did not finish the preview within 5 s');
  });
});
