import type { RegionProbe } from '../domain/region-probe.js';
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { FactKindName, Watermark } from '../app/ports.js';
import type { FamilyContext, IndexedFact, UsageIndex } from '../app/usage-index.js';
import type { ImageFact, ImageHistory, RepositoryFact, LambdaAliasFact, LambdaFunctionFact, Scope, ServiceDeploymentFact, ServiceRevisionFact, TaskDefinitionFact, TaskFact } from '../domain/facts.js';
import { historyOf } from '../domain/facts.js';
import { tagDigests } from '../domain/tag-fact.js';
import { LedgerStoreError } from '../errors.js';
import { familyGroup, functionGroup, GROUP_INDEX, imageGroup, REPOSITORY_INDEX, repositoryPartition, scopeId, scopeOfId, serviceGroup, tagGroup } from './index-keys.js';
import { factPk, REGIONS_PK, WATERMARK_PK, type FactItem } from './ledger-items.js';

type Item = Record<string, unknown>;
const BATCH_GET = 100;

/** The ledger's group index read with single Queries and batched gets; counts every request and item. */
export class DynamoDbUsageIndex implements UsageIndex {
  readonly counts = { requests: 0, items: 0 };

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  private async group(key: string, index: { name?: string; key: string; sortFrom?: { key: string; value: string } } = { name: GROUP_INDEX, key: 'g2pk' }): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    try {
      do {
        const page: QueryCommandOutput = await this.doc.send(new QueryCommand({
          TableName: this.tableName, ...(index.name && { IndexName: index.name }), ExclusiveStartKey: start,
          KeyConditionExpression: `${index.key} = :k${index.sortFrom ? ` AND ${index.sortFrom.key} >= :from` : ''}`,
          ExpressionAttributeValues: { ':k': key, ...(index.sortFrom && { ':from': index.sortFrom.value }) },
        }));
        this.counts.requests += 1;
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
    } catch (error) {
      throw new LedgerStoreError(`ledger table ${this.tableName}: reading the index group ${key} failed: ${(error as Error).message}`, { cause: error });
    }
    this.counts.items += items.length;
    return items.filter((i) => !i.deleted);
  }

  private static referrersIn(items: readonly Item[]): string[] {
    return items.filter((i) => i.kind === 'reference').map((i) => String(i.referrer));
  }

  async image(registry: Scope, repositoryName: string, digest: string) {
    const items = await this.group(imageGroup(registry, repositoryName, digest));
    const stored = items.find((i) => i.kind === 'image' && i.sk === 'F');
    const tags = items.filter((i) => i.kind === 'tag' || i.kind === 'tag-claim').map((i) => String((i.fact as { tag: string }).tag));
    const image = stored && { ...(stored.fact as unknown as ImageFact), imageTags: [...new Set(tags)].sort() };
    const ended = stored && { ...(typeof stored.releasedAt === 'string' && { releasedAt: stored.releasedAt }), ...(typeof stored.protectedUntil === 'string' && { protectedUntil: stored.protectedUntil }) };
    return { ...(image && { image }), referrers: DynamoDbUsageIndex.referrersIn(items), ...(ended && Object.keys(ended).length > 0 && { history: ended }) };
  }

  async tagged(registry: Scope, repositoryName: string, tag: string) {
    const found = await this.get(factPk(registry, 'tag', `${repositoryName}:${tag}`));
    return found && !found.deleted ? tagDigests(found.fact as Record<string, unknown>) : [];
  }

  async tagReferrers(registry: Scope, repositoryName: string, tag: string) {
    return DynamoDbUsageIndex.referrersIn(await this.group(tagGroup(registry, repositoryName, tag)));
  }

  private async get(pk: string): Promise<Item | undefined> {
    this.counts.requests += 1;
    const found = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk: 'F' } }))).Item;
    if (found) this.counts.items += 1;
    return found;
  }

  async facts(ids: readonly string[]): Promise<IndexedFact[]> {
    const unique = [...new Set(ids)];
    const found: Item[] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET) {
      let keys: Item[] = unique.slice(i, i + BATCH_GET).map((pk) => ({ pk, sk: 'F' }));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt > 8) throw new LedgerStoreError(`ledger table ${this.tableName}: ${keys.length} reads stayed unprocessed`);
        const result = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        this.counts.requests += 1;
        found.push(...(result.Responses?.[this.tableName] ?? []));
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
      }
    }
    this.counts.items += found.length;
    return (found as unknown as FactItem[]).filter((i) => !i.deleted).map((i) => ({ scope: scopeOfId(i.scope), kind: i.kind as FactKindName, fact: i.fact }));
  }

  async family(scope: Scope, family: string): Promise<FamilyContext> {
    const items = (await this.group(familyGroup(scope, family))).filter((i) => i.sk === 'F' || i.kind === 'reference');
    const of = <T>(kind: string) => items.filter((i) => i.kind === kind && i.sk === 'F').map((i) => i.fact as T);
    return {
      taskDefinitions: of<TaskDefinitionFact>('task-definition'), tasks: of<TaskFact>('task'), serviceRevisions: of<ServiceRevisionFact>('service-revision'),
      services: DynamoDbUsageIndex.referrersIn(items),
    };
  }

  async serviceDeployments(scope: Scope, serviceArn: string) {
    return (await this.group(serviceGroup(scope, serviceArn))).filter((i) => i.kind === 'service-deployment').map((i) => i.fact as unknown as ServiceDeploymentFact);
  }

  async repository(registry: Scope, repositoryName: string) {
    const [items, repository] = await Promise.all([
      this.group(repositoryPartition(registry, repositoryName), { name: REPOSITORY_INDEX, key: 'g1pk' }),
      this.get(factPk(registry, 'repository', repositoryName)),
    ]);
    const tagsOf = new Map<string, string[]>();
    for (const tag of items.filter((i) => i.kind === 'tag')) {
      for (const digest of tagDigests(tag.fact as Record<string, unknown>)) tagsOf.set(digest, [...(tagsOf.get(digest) ?? []), String((tag.fact as { tag: string }).tag)]);
    }
    const stored = items.filter((i) => i.kind === 'image' && i.sk === 'F') as unknown as FactItem[];
    const images = stored.map((i) => ({ ...(i.fact as unknown as ImageFact), imageTags: (tagsOf.get(String(i.fact.imageDigest)) ?? []).sort() }));
    const history = new Map<string, ImageHistory>(stored.flatMap((i) => {
      const stamps = historyOf(i);
      return stamps ? [[`${String(i.fact.repositoryName)}@${String(i.fact.imageDigest)}`, stamps] as const] : [];
    }));
    return {
      ...(repository && !repository.deleted && { repository: repository.fact as unknown as RepositoryFact }),
      images, history, referrers: DynamoDbUsageIndex.referrersIn(items),
    };
  }

  async references(registry: Scope, repositoryName: string, options: { fromOtherScopes?: boolean } = {}) {
    // Sort keys from `ref#` on: the references into the repository and its tags (`tag#…`), not its images (`{pushedAt}#…`);
    // from `xref#` on, only the references from other scopes.
    const from = options.fromOtherScopes ? 'xref#' : 'ref#';
    const items = await this.group(repositoryPartition(registry, repositoryName), { name: REPOSITORY_INDEX, key: 'g1pk', sortFrom: { key: 'g1sk', value: from } });
    return {
      references: items.filter((i) => i.kind === 'reference').map((i) => {
        // The target is the image's group (`…#img#{repo}@{digest}`) or the tag's (`…#img#{repo}:{tag}`).
        const named = String(i.target).slice(`${scopeId(registry)}#img#${repositoryName}`.length);
        return { referrer: String(i.referrer), scope: scopeOfId(String(i.scope)), ...(named.startsWith('@') ? { digest: named.slice(1) } : { tag: named.slice(1) }) };
      }),
      tags: items.filter((i) => i.kind === 'tag').map((i) => ({ tag: String((i.fact as { tag: string }).tag), digests: tagDigests(i.fact as Record<string, unknown>) })),
    };
  }

  async watermarks() {
    const items = await this.group(WATERMARK_PK, { key: 'pk' });
    return items.map((i) => ({ scope: ((i.watermark as Watermark | undefined)?.scope ?? i.scope) as Scope, ...(i.watermark ? { watermark: i.watermark as Watermark } : {}) }));
  }

  async regionProbes(): Promise<RegionProbe[]> {
    return (await this.group(REGIONS_PK, { key: 'pk' })).map((i) => i.probe as RegionProbe);
  }

  async lambdaFunction(scope: Scope, functionName: string) {
    const items = await this.group(functionGroup(scope, functionName));
    return {
      versions: items.filter((i) => i.kind === 'lambda-function').map((i) => i.fact as unknown as LambdaFunctionFact),
      aliases: items.filter((i) => i.kind === 'lambda-alias').map((i) => i.fact as unknown as LambdaAliasFact),
    };
  }
}
