import { GetFunctionCommand, ListAliasesCommand, ListFunctionsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { qualifiedFunctionArn } from '../../snapshot/to-facts.js';
import { AwsCallError, mapConcurrent, type AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;

export interface LambdaRead {
  functions: Json[];
  aliases: Json[];
}

export interface LambdaReadOptions {
  readonly inScope: (functionName: string) => boolean;
  /** Published versions already known (they are immutable), by qualified ARN, in GetFunction shape: not read again. */
  readonly knownVersion?: (qualifiedArn: string) => Json | undefined;
  /** Called with each published version read (in GetFunction shape), so that a long first read can be checkpointed. */
  readonly onVersionRead?: (qualifiedArn: string, fragment: Json) => Promise<void>;
  readonly progress?: (message: string) => void;
}

const gone = (error: unknown) => error instanceof AwsCallError && error.code === 'ResourceNotFoundException';

/** One version in GetFunction shape (trimmed to what ecr-ledger reads), or undefined when it no longer exists. */
export async function readFunctionVersion(caller: AwsCaller, lambda: LambdaClient, functionName: string, version: string): Promise<Json | undefined> {
  try {
    const got = await caller.call('lambda:GetFunction', () => lambda.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: version })));
    if (got.Configuration?.PackageType !== 'Image') return undefined;
    return jsonSafe({
      Configuration: { FunctionName: got.Configuration?.FunctionName, FunctionArn: got.Configuration?.FunctionArn, Version: got.Configuration?.Version, PackageType: got.Configuration?.PackageType },
      Code: { ImageUri: got.Code?.ImageUri, ResolvedImageUri: got.Code?.ResolvedImageUri },
    });
  } catch (error) {
    if (gone(error)) return undefined; // deleted since it was listed
    throw error;
  }
}

/** Every version (with `$LATEST`) and alias of every in-scope function of package type Image, with the digest it resolved. */
export async function readLambda(caller: AwsCaller, lambda: LambdaClient, options: LambdaReadOptions): Promise<LambdaRead> {
  const versions = (await caller.all('lambda:ListFunctions', async (marker) => {
    const page = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 50, Marker: marker }));
    return { items: page.Functions, next: page.NextMarker };
  })).filter((fn) => fn.PackageType === 'Image' && options.inScope(fn.FunctionName!));

  let read = 0;
  const functions = await mapConcurrent(versions, 4, async (fn): Promise<Json | undefined> => {
    const arn = qualifiedFunctionArn(fn.FunctionArn!, fn.Version!);
    const known = fn.Version === '$LATEST' ? undefined : options.knownVersion?.(arn);
    if (known) return known;
    const fragment = await readFunctionVersion(caller, lambda, fn.FunctionName!, fn.Version!);
    if (++read % 100 === 0) options.progress?.(`Lambda: ${read} function versions read`);
    if (fragment && fn.Version !== '$LATEST') await options.onVersionRead?.(arn, fragment);
    return fragment;
  });

  const names = [...new Set(versions.map((fn) => fn.FunctionName!))];
  const aliases = await mapConcurrent(names, 4, async (FunctionName) => {
    try {
      return await caller.all('lambda:ListAliases', async (marker) => {
        const page = await lambda.send(new ListAliasesCommand({ FunctionName, MaxItems: 50, Marker: marker }));
        return { items: page.Aliases, next: page.NextMarker };
      });
    } catch (error) {
      if (gone(error)) return [];
      throw error;
    }
  });
  options.progress?.(`Lambda: ${names.length} image functions, ${versions.length} versions (${read} read, ${versions.length - read} already known)`);
  return {
    functions: functions.filter((f): f is Json => f !== undefined),
    aliases: aliases.flat().map((a) => jsonSafe({ AliasArn: a.AliasArn, Name: a.Name, FunctionVersion: a.FunctionVersion, RoutingConfig: a.RoutingConfig })),
  };
}
