import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { reconcileFromAws } from '../../../src/app/live.js';
import { restoreArchivedInUse } from '../../../src/app/undo/reconcile-restore.js';
import { parseConfig } from '../../../src/config.js';
import { digest } from '../../fixtures/account-builder.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';

/**
 * Restore on use after a reconcile (issue 32: judged on the archived images the reconcile read and their referrers
 * through the index, not on the whole ledger): what runs is restored — directly, or as the child of an index that
 * runs — and nothing else. The oracle is what the restorer was asked.
 */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const embedded = embeddedLedger('each');
const config = parseConfig({});

describe('restore on use after a reconcile', () => {
  it('restores the archived image a task runs and the archived child of an index a task runs, not an archived image nothing uses', async () => {
    const world = new World(embedded.ledger);
    const clock = () => new Date(world.now);
    const used = await world.push('web', 'used');
    const unused = await world.push('web', 'unused');
    const [amd64, arm64, index] = [digest('web-amd64'), digest('web-arm64'), digest('web-index')];
    for (const child of [amd64, arm64]) world.account.ecr.addImage('web', { imageDigest: child, imageTags: [], imagePushedAt: clock(), imageSizeInBytes: 1, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
    world.account.ecr.addImage('web', { imageDigest: index, imageTags: ['multi'], imagePushedAt: clock(), imageSizeInBytes: 1, imageManifestMediaType: OCI_INDEX },
      { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amd64, size: 1 }, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: arm64, size: 1 }] });
    await world.register('api', 1, { main: `${HOST}/web@${used}` });
    await world.task('api-1', 'api', 1, 'RUNNING');
    await world.register('multi', 1, { main: `${HOST}/web@${index}` });
    await world.task('multi-1', 'multi', 1, 'RUNNING');
    for (const d of [used, unused, amd64]) await world.account.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: 'web', imageId: { imageDigest: d }, targetStorageClass: 'ARCHIVE' }));

    const result = await reconcileFromAws({ ledger: embedded.ledger, reader: world.account.reader({ config, clock }), clock }, config);
    expect(result.archived).toBe(3);
    expect(result.archivedImages.map((i) => i.imageDigest).sort()).toEqual([used, unused, amd64, index].sort()); // the index that names an archived child comes with it
    const asked: string[] = [];
    const restored = await restoreArchivedInUse({
      config, clock, index: embedded.ledger.usageIndex(), tell: async () => undefined,
      restorer: () => ({ restoreImages: async (_repository, digests) => { asked.push(...digests); return { done: [...digests], failures: [] }; } }),
    }, SCOPE, result.archivedImages);
    expect(asked.sort()).toEqual([used, amd64].sort());
    expect(restored.map((r) => r.image.imageDigest).sort()).toEqual([used, amd64].sort());
  });
});
