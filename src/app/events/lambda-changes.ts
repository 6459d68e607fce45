import type { LambdaAliasFact, LambdaFunctionFact } from '../../domain/facts.js';
import type { LedgerChange } from '../../events/ledger-event.js';
import { qualifiedFunctionArn } from '../../snapshot/to-facts.js';
import type { StoredFact } from '../ports.js';
import type { EventContext } from './context.js';

type Change<K extends LedgerChange['kind']> = Extract<LedgerChange, { kind: K }>;

const asFunction = (stored: StoredFact | undefined) => (stored && !stored.deleted ? (stored.fact as unknown as LambdaFunctionFact) : undefined);

/** Releases what a function version ran: its resolved digest and what its tag points to. */
async function releaseVersion(ctx: EventContext, fn: LambdaFunctionFact | undefined): Promise<void> {
  if (fn?.resolvedImageUri) await ctx.release(fn.resolvedImageUri);
  if (fn?.imageUri) await ctx.release(fn.imageUri);
}

/** New code or a new version: the event lacks the resolved digest, so each version is read with GetFunction. */
export async function lambdaVersionsChanged(ctx: EventContext, change: Change<'lambda-versions-changed'>): Promise<void> {
  const lookups = ctx.online(`reading versions ${change.versions.join(', ')} of function ${change.functionName}`);
  if (!lookups) return;
  for (const fn of await lookups.functionVersions(change.functionName, change.versions)) {
    const result = await ctx.ledger.applyFact(ctx.scope, 'lambda-function', fn.functionArn, fn, ctx.at);
    const before = result.applied ? asFunction(result.previous) : undefined;
    if (before && before.resolvedImageUri !== fn.resolvedImageUri) await releaseVersion(ctx, before);
  }
}

async function versionOf(ctx: EventContext, alias: { aliasArn: string }, version: string): Promise<LambdaFunctionFact | undefined> {
  return asFunction(await ctx.ledger.getFact(ctx.scope, 'lambda-function', qualifiedFunctionArn(alias.aliasArn, version)));
}

export async function lambdaAliasChanged(ctx: EventContext, change: Change<'lambda-alias-changed'>): Promise<void> {
  const result = await ctx.ledger.applyFact(ctx.scope, 'lambda-alias', change.alias.aliasArn, change.alias, ctx.at);
  if (!result.applied || !result.previous || result.previous.deleted) return;
  const before = result.previous.fact as unknown as LambdaAliasFact;
  const now = new Set([change.alias.functionVersion, ...change.alias.additionalVersions]);
  for (const version of [before.functionVersion, ...before.additionalVersions]) {
    if (!now.has(version)) await releaseVersion(ctx, await versionOf(ctx, before, version));
  }
}

export async function lambdaAliasDeleted(ctx: EventContext, change: Change<'lambda-alias-deleted'>): Promise<void> {
  const known = (await ctx.ledger.group(ctx.scope, { functionName: change.functionName }))
    .find((f) => f.kind === 'lambda-alias' && f.fact.name === change.name);
  if (!known) return; // not in the ledger: nothing it protected is recorded
  const before = known.fact as unknown as LambdaAliasFact;
  const result = await ctx.ledger.applyFact(ctx.scope, 'lambda-alias', before.aliasArn, undefined, ctx.at);
  if (!result.applied) return;
  for (const version of [before.functionVersion, ...before.additionalVersions]) await releaseVersion(ctx, await versionOf(ctx, before, version));
}

/** A whole function (all versions and aliases), or one version with `qualifier`. */
export async function lambdaFunctionDeleted(ctx: EventContext, change: Change<'lambda-function-deleted'>): Promise<void> {
  const facts = await ctx.ledger.group(ctx.scope, { functionName: change.functionName });
  for (const stored of facts) {
    const fn = stored.fact as unknown as LambdaFunctionFact & LambdaAliasFact;
    if (change.qualifier !== undefined && (stored.kind !== 'lambda-function' || fn.version !== change.qualifier)) continue;
    const id = stored.kind === 'lambda-function' ? fn.functionArn : fn.aliasArn;
    const result = await ctx.ledger.applyFact(ctx.scope, stored.kind as 'lambda-function' | 'lambda-alias', id, undefined, ctx.at);
    if (result.applied && stored.kind === 'lambda-function') await releaseVersion(ctx, fn);
  }
}
