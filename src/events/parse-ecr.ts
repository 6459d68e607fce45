import * as z from 'zod';
import type { LedgerChange } from './ledger-event.js';
import { eventDigest } from './envelope.js';

const imageAction = z.looseObject({
  'action-type': z.string().min(1),
  result: z.string().min(1),
  'repository-name': z.string().min(1),
  'image-digest': eventDigest,
  'image-tag': z.string().optional(),
  'manifest-media-type': z.string().optional(),
  'artifact-media-type': z.string().optional(),
  'target-storage-class': z.string().optional(),
});

const replication = z.looseObject({ result: z.string().min(1), 'repository-name': z.string().min(1), 'image-digest': eventDigest, 'image-tag': z.string().optional() });
const pullThrough = z.looseObject({ 'sync-status': z.string().min(1), 'repository-name': z.string().min(1), 'image-digest': eventDigest, 'image-tag': z.string().optional() });

const tagOf = (tag: string | undefined) => (tag === undefined || tag === '' ? {} : { tag });

/** ECR's own events. Returns a change, a reason to ignore the event, or the schema error. */
export function parseEcr(detailType: string, detail: unknown): LedgerChange | string | z.ZodError {
  if (detailType === 'ECR Image Action' || detailType === 'ECR Referrer Action') {
    const parsed = imageAction.safeParse(detail);
    if (!parsed.success) return parsed.error;
    const d = parsed.data;
    if (d.result !== 'SUCCESS') return `${detailType} ${d['action-type']} with result ${d.result}`;
    const image = { repositoryName: d['repository-name'], imageDigest: d['image-digest'] };
    switch (d['action-type']) {
      case 'PUSH':
        return {
          kind: 'image-pushed', ...image, ...tagOf(d['image-tag']),
          ...(d['manifest-media-type'] && { manifestMediaType: d['manifest-media-type'] }), ...(d['artifact-media-type'] && { artifactMediaType: d['artifact-media-type'] }),
        };
      case 'DELETE':
        return { kind: 'image-deleted', ...image, ...tagOf(d['image-tag']) };
      case 'UPDATE_STORAGE_CLASS':
        if (!d['target-storage-class']) return new z.ZodError([{ code: 'custom', path: ['target-storage-class'], message: 'missing for UPDATE_STORAGE_CLASS', input: undefined }]);
        return { kind: 'image-storage-class', ...image, storageClass: d['target-storage-class'] };
      default:
        return new z.ZodError([{ code: 'custom', path: ['action-type'], message: `unknown action type ${JSON.stringify(d['action-type'])}`, input: d['action-type'] }]);
    }
  }
  if (detailType === 'ECR Replication Action') {
    const parsed = replication.safeParse(detail);
    if (!parsed.success) return parsed.error;
    if (parsed.data.result !== 'SUCCESS') return `replication with result ${parsed.data.result}`;
    return { kind: 'image-pushed', repositoryName: parsed.data['repository-name'], imageDigest: parsed.data['image-digest'], ...tagOf(parsed.data['image-tag']) };
  }
  if (detailType === 'ECR Pull Through Cache Action') {
    const parsed = pullThrough.safeParse(detail);
    if (!parsed.success) return parsed.error;
    if (parsed.data['sync-status'] !== 'SUCCESS') return `pull-through cache sync with status ${parsed.data['sync-status']}`;
    return { kind: 'image-pushed', repositoryName: parsed.data['repository-name'], imageDigest: parsed.data['image-digest'], ...tagOf(parsed.data['image-tag']) };
  }
  return `ECR detail-type ${JSON.stringify(detailType)} is not one ecr-ledger follows`;
}
