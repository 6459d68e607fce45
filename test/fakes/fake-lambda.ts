import { GetFunctionCommand, LambdaClient, ListAliasesCommand, ListFunctionsCommand, type AliasConfiguration, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { LambdaClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-lambda';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { awsError, Faults, page } from './faults.js';

interface StoredVersion {
  configuration: FunctionConfiguration;
  imageUri?: string;
  resolvedImageUri?: string;
}

/** A stateful Lambda control plane behind aws-sdk-client-mock (50 items per page, as Lambda's list APIs). */
export class FakeLambda {
  readonly client: LambdaClient;
  readonly mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, LambdaClientResolvedConfig>;
  readonly functions = new Map<string, { versions: Map<string, StoredVersion>; aliases: AliasConfiguration[] }>();

  constructor(readonly faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new LambdaClient({ region, credentials: FAKE_CREDENTIALS });
    this.mock = mockClient(this.client);
    const fn = (name: string | undefined) => {
      const found = this.functions.get(name ?? '');
      if (!found) throw awsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
      return found;
    };
    const limits = { max: 50, default: 50 };
    this.mock.on(ListFunctionsCommand).callsFake((input) => {
      faults.check('lambda:ListFunctions');
      const all = [...this.functions.values()].flatMap((f) => [...f.versions.values()].filter((v) => input.FunctionVersion === 'ALL' || v.configuration.Version === '$LATEST'));
      const { items, next } = page('lambda:ListFunctions', all.map((v) => v.configuration), input.MaxItems, input.Marker, limits);
      return { Functions: items, NextMarker: next };
    });
    this.mock.on(GetFunctionCommand).callsFake((input) => {
      faults.check('lambda:GetFunction');
      const version = fn(input.FunctionName).versions.get(input.Qualifier ?? '$LATEST');
      if (!version) throw awsError('ResourceNotFoundException', `Function not found: ${input.FunctionName}:${input.Qualifier}`, 404);
      return {
        Configuration: { ...version.configuration, Environment: { Variables: { TOKEN: 'not for snapshots' } } },
        Code: { RepositoryType: 'ECR', ImageUri: version.imageUri, ResolvedImageUri: version.resolvedImageUri },
      };
    });
    this.mock.on(ListAliasesCommand).callsFake((input) => {
      faults.check('lambda:ListAliases');
      const { items, next } = page('lambda:ListAliases', fn(input.FunctionName).aliases, input.MaxItems, input.Marker, limits);
      return { Aliases: items, NextMarker: next };
    });
  }

  functionArn(name: string, version?: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}${version === undefined ? '' : `:${version}`}`;
  }

  /** Adds a version (`$LATEST` or a number) of a function; `packageType` Zip functions have no image. */
  addVersion(name: string, version: string, code: { imageUri?: string; resolvedImageUri?: string }, packageType: 'Image' | 'Zip' = 'Image'): this {
    if (!this.functions.has(name)) this.functions.set(name, { versions: new Map(), aliases: [] });
    const configuration: FunctionConfiguration = {
      FunctionName: name, FunctionArn: this.functionArn(name, version === '$LATEST' ? undefined : version), Version: version, PackageType: packageType,
    };
    this.functions.get(name)!.versions.set(version, { configuration, ...code });
    return this;
  }

  addAlias(name: string, alias: string, functionVersion: string, additionalVersionWeights?: Record<string, number>): this {
    this.functions.get(name)!.aliases.push({
      AliasArn: this.functionArn(name, alias), Name: alias, FunctionVersion: functionVersion,
      ...(additionalVersionWeights && { RoutingConfig: { AdditionalVersionWeights: additionalVersionWeights } }),
    });
    return this;
  }
}
