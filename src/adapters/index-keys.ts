import { createHash } from 'node:crypto';
import { scopeKey, type Scope } from '../domain/facts.js';

/**
 * The partitions of the `byFamily` index (named for its first use; it is the ledger's group index). A group is what
 * one bounded Query reads:
 *   `{registry}#img#{repo}@{digest}`  an image, the tags pointing to it and every reference naming it by digest
 *   `{registry}#img#{repo}:{tag}`     every reference naming that tag
 *   `{scope}#family#{family}`        a family's revisions, the tasks and service revisions running it, the services deploying it
 *   `{scope}#service#{serviceArn}`   a service's deployments (the circuit breaker's rollback target)
 *   `{scope}#function#{name}`        a Lambda function's versions and aliases
 *   `{scope}#repositories`           a scope's repositories
 *   `{scope}#source#{name}`          a usage source and the images it reported (`report-usage`)
 * References from any account or region land in the group of the image they name: "who uses this image" is one
 * Query for the image and one per tag it holds.
 */
export const GROUP_INDEX = 'byFamily';
/**
 * The `byRepository` index: a repository's images by push time (sort key `{pushedAt}#{digest}`), its tags (`tag#…`),
 * and every reference into it — `ref#…` from the registry's own scope, `xref#…` from other accounts and regions.
 */
export const REPOSITORY_INDEX = 'byRepository';

/** A scope's key in the table's ids and index partitions. */
export const scopeId = scopeKey;
/** The scope a ledger id, scope attribute or group (`{account}#{region}…`) starts with: the inverse of scopeId. */
export const scopeOfId = (id: string): Scope => ({ accountId: id.split('#')[0]!, region: id.split('#')[1]! });
export const imageGroup = (registry: Scope, repositoryName: string, digest: string) => `${scopeId(registry)}#img#${repositoryName}@${digest}`;
export const tagGroup = (registry: Scope, repositoryName: string, tag: string) => `${scopeId(registry)}#img#${repositoryName}:${tag}`;
export const familyGroup = (scope: Scope, family: string) => `${scopeId(scope)}#family#${family}`;
export const serviceGroup = (scope: Scope, serviceArn: string) => `${scopeId(scope)}#service#${serviceArn}`;
export const functionGroup = (scope: Scope, functionName: string) => `${scopeId(scope)}#function#${functionName}`;
export const repositoriesGroup = (scope: Scope) => `${scopeId(scope)}#repositories`;
export const repositoryPartition = (registry: Scope, repositoryName: string) => `${scopeId(registry)}#repo#${repositoryName}`;
export const sourceGroup = (scope: Scope, name: string) => `${scopeId(scope)}#source#${name}`;
/** REPOSITORY_INDEX partition listing a scope's usage sources (sort key: the name). */
export const sourcesPartition = (scope: Scope) => `${scopeId(scope)}#sources`;

/**
 * The scope index (layout 4): every fact, reference and tag claim of a scope, spread over SCOPE_SHARDS partitions by a
 * hash of the item's key, so that a scope is read by Query (reads bounded by the scope, never a table Scan). Its sort
 * key puts facts (`F#`) apart from the rest (`X#`) and is a fixed-length hash, so no key of the index can be too long.
 */
export const SCOPE_SHARDS = 16;
export const scopeShard = (scope: Scope, shard: number) => `${scopeId(scope)}#all#${String(shard).padStart(2, '0')}`;
export const scopeKeys = (scope: Scope, pk: string, sk: string) => ({
  g4pk: scopeShard(scope, createHash('sha1').update(pk).digest().readUInt32BE(0) % SCOPE_SHARDS),
  g4sk: `${sk === 'F' ? 'F' : 'X'}#${createHash('sha1').update(`${pk}\n${sk}`).digest('hex').slice(0, 24)}`,
});
