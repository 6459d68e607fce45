import { guarded } from './ledger-guard.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Announcement, AnnouncementStore } from '../app/ports.js';
import { imageKey, type Scope } from '../domain/facts.js';
import { LedgerStoreError } from '../errors.js';
import { inParallel } from './dynamodb-writes.js';
import { scopeId } from './index-keys.js';

const BATCH_GET = 100;

/**
 * When each image was announced for deletion: pk `NOTICE#{scope}#{repository}`, sk the digest. The items carry no
 * `scope` attribute, so a reconcile (which replaces the scope's fact items) never touches them; an image's first
 * announcement is never overwritten.
 */
const key = (scope: Scope, image: { repositoryName: string; imageDigest: string }) => ({ pk: `NOTICE#${scopeId(scope)}#${image.repositoryName}`, sk: image.imageDigest });

export class DynamoDbAnnouncements implements AnnouncementStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async announcements(scope: Scope, images: ReadonlyArray<{ repositoryName: string; imageDigest: string }>): Promise<Map<string, Announcement>> {
    const found = new Map<string, Announcement>();
    const unique = [...new Map(images.map((i) => [imageKey(i.repositoryName, i.imageDigest), key(scope, i)])).values()];
    for (let i = 0; i < unique.length; i += BATCH_GET) {
      let keys: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET);
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt > 8) throw new LedgerStoreError(`ledger table ${this.tableName}: ${keys.length} announcement reads stayed unprocessed`);
        const result = await this.guard('reading announcements', () => this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } })));
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const a = item.announcement as Announcement;
          found.set(imageKey(a.repositoryName, a.imageDigest), a);
        }
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  async recordAnnouncements(scope: Scope, announcements: ReadonlyArray<Announcement & { readonly replaces?: string }>): Promise<void> {
    await inParallel(announcements, 8, async ({ replaces, ...announcement }) => {
      try {
        await this.guard('recording an announcement', () => this.doc.send(new PutCommand({
          TableName: this.tableName, Item: { ...key(scope, announcement), announcement },
          // The stale announcement the notice judged (used, pinned or pulled since) is replaced; one another notice
          // recorded meanwhile is kept as first written.
          ConditionExpression: replaces === undefined ? 'attribute_not_exists(pk)' : 'attribute_not_exists(pk) OR announcement.announcedAt = :stale',
          ...(replaces !== undefined && { ExpressionAttributeValues: { ':stale': replaces } }),
        })));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  private guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    return guarded(this.tableName, what, run);
  }
}
