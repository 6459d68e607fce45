import { describe, expect, it } from 'vitest';
import type { ImageFact } from '../../src/domain/facts.js';
import { freedAlone, freedBytes } from '../../src/domain/freed-bytes.js';
import { readManifestLinks } from '../../src/domain/manifest.js';
import { summarisePlan } from '../../src/domain/plan-summary.js';
import type { PlannedImage } from '../../src/domain/retention-policy.js';
import { daysAgo, digest } from '../fixtures/account-builder.js';

const MiB = 1024 * 1024;
const layer = (name: string, mib: number) => ({ digest: digest(name), size: mib * MiB });
/** A build on a shared base: the base (300 MiB) and its own layer. */
const image = (repositoryName: string, name: string, own: number, base = 'base', layers = true): ImageFact => ({
  repositoryName, imageDigest: digest(name), imageTags: [name], imagePushedAt: daysAgo(30), imageSizeInBytes: (300 + own) * MiB, childDigests: [],
  ...(layers && { layers: [layer(`${name}-config`, 0), layer(base, 300), layer(`${name}-own`, own)] }),
});
const planned = (fact: ImageFact, action: 'keep' | 'delete', disposal?: 'delete' | 'archive'): PlannedImage =>
  ({ image: fact, action, ...(disposal && { disposal }), reasons: [], referrers: [], inUse: action === 'keep' });

describe('bytes a deletion frees, from layers', () => {
  it('counts the layers no image that stays names, each once, per repository and in all', () => {
    const going = [image('app', 'b1', 20), image('app', 'b2', 30), image('worker', 'w1', 10, 'worker-base')];
    const staying = [image('app', 'b3', 40), image('other', 'o1', 5, 'worker-base')];
    const freed = freedBytes(going, staying)!;
    // app's base stays with b3; worker's base stays with other's o1: only the builds' own layers are freed.
    expect(freed.byRepository.get('app')).toBe(50 * MiB);
    expect(freed.byRepository.get('worker')).toBe(10 * MiB);
    expect(freed.total).toBe(60 * MiB);
  });

  it('a base nothing else names is freed once, though every image going names it', () => {
    const freed = freedBytes([image('app', 'b1', 20), image('app', 'b2', 30)], [image('other', 'o1', 5, 'other-base')])!;
    expect(freed.total).toBe((300 + 50) * MiB);
  });

  it('is unknown when an image going, or one that stays, has layers nobody read', () => {
    expect(freedBytes([image('app', 'b1', 20, 'base', false)], [image('app', 'b3', 40)])).toBeUndefined();
    expect(freedBytes([image('app', 'b1', 20)], [image('app', 'b3', 40, 'base', false)])).toBeUndefined();
  });

  it('what one image frees on its own: its layers no other image of the registry names', () => {
    const registry = [image('app', 'b1', 20), image('app', 'b2', 30), image('solo', 's1', 7, 'solo-base')];
    expect(freedAlone(registry[0]!, registry)).toBe(20 * MiB);
    expect(freedAlone(registry[2]!, registry)).toBe(307 * MiB);
  });
});

describe('the plan counts money from bytes freed', () => {
  it('shows freed beside the summed sizes, and the saving from freed; archiving frees nothing', () => {
    const { repositories, totals } = summarisePlan([
      planned(image('app', 'b1', 20), 'delete'), planned(image('app', 'b2', 30), 'delete', 'archive'), planned(image('app', 'b3', 40), 'keep'),
    ]);
    expect(totals.bytesToDelete).toBe((320 + 330) * MiB);
    expect(totals.bytesFreed).toBe(20 * MiB);
    expect(repositories[0]!.bytesFreed).toBe(20 * MiB);
    expect(totals.savedFrom).toBe('freed-layers');
    // 20 MiB at 0.10 USD per GB-month.
    expect(totals.usdPerMonthSaved).toBe(0);
    const big = summarisePlan([planned(image('app', 'b1', 10 * 1024), 'delete'), planned(image('app', 'b3', 40), 'keep')]);
    expect(big.totals.usdPerMonthSaved).toBe(1);
  });

  it('without layers: no freed figure, the saving from image sizes, and says how many images lack them', () => {
    const { totals, repositories } = summarisePlan([planned(image('app', 'b1', 10 * 1024 - 300, 'base', false), 'delete'), planned(image('app', 'b3', 40), 'keep')]);
    expect(totals.bytesFreed).toBeUndefined();
    expect(repositories[0]).not.toHaveProperty('bytesFreed');
    expect(totals.savedFrom).toBe('image-sizes');
    expect(totals.layersUnknown).toBe(1);
    expect(totals.usdPerMonthSaved).toBe(1);
  });
});

describe('layers from a manifest', () => {
  it('reads config and layers (OCI and Docker v2), none for an index, unknown for schema 1', () => {
    const body = { schemaVersion: 2, config: { digest: digest('c'), size: 10 }, layers: [{ digest: digest('l1'), size: 100 }, { digest: digest('l2'), size: 200 }] };
    expect(readManifestLinks(body).layers).toEqual([{ digest: digest('c'), size: 10 }, { digest: digest('l1'), size: 100 }, { digest: digest('l2'), size: 200 }]);
    expect(readManifestLinks({ schemaVersion: 2, manifests: [{ digest: digest('child') }] }).layers).toEqual([]);
    expect(readManifestLinks({ schemaVersion: 1, fsLayers: [{ blobSum: digest('l1') }] }).layers).toBeUndefined();
    expect(() => readManifestLinks({ schemaVersion: 2, layers: [{ digest: digest('l1') }] })).toThrow('a layer lacks a digest or a size');
  });
});
