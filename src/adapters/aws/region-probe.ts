import { ListRegionsCommand } from '@aws-sdk/client-account';
import { ListServicesCommand } from '@aws-sdk/client-apprunner';
import { DescribeJobQueuesCommand } from '@aws-sdk/client-batch';
import { ListClustersCommand as ListEcsClusters } from '@aws-sdk/client-ecs';
import { ListClustersCommand as ListEksClusters } from '@aws-sdk/client-eks';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import type { RegionProbe, RegionWorkloads } from '../../domain/region-probe.js';
import { AwsReadError } from '../../errors.js';
import { AwsCallError, mapConcurrent, ReadDeadlineError, type AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';

export type ProbeClients = Pick<AwsClients, 'ecs' | 'lambda' | 'eks' | 'batch' | 'apprunner' | 'account'>;

/** The calls of one probe, per region: five cheap lists (Lambda's pages all functions, to count the image ones). */
export interface RegionProbeOptions {
  readonly accountId: string;
  /** The region whose clients list the account's regions (account:ListRegions, the enabled ones). */
  readonly from: string;
  readonly clientsIn: (region: string) => ProbeClients | Promise<ProbeClients>;
  readonly caller: AwsCaller;
  readonly now: () => Date;
  /** App Runner is not offered in every region: an endpoint that does not resolve counts as none. */
  readonly appRunner?: boolean;
  readonly batch?: boolean;
  /** Regions not probed: the ones this run reconciles anyway. */
  readonly skip?: readonly string[];
}

/** Not offered in this region: the endpoint's host does not exist. */
const notOffered = (error: unknown) => error instanceof AwsCallError && /ENOTFOUND|UnknownEndpoint|getaddrinfo/.test(`${error.code} ${error.message}`);

async function count(caller: AwsCaller, api: string, page: (token: string | undefined) => Promise<{ items?: unknown[] | undefined; next?: string | undefined }>): Promise<number> {
  return (await caller.all(api, page)).length;
}

async function probeRegion(options: RegionProbeOptions, region: string): Promise<RegionWorkloads> {
  const { caller } = options;
  try {
    const c = await options.clientsIn(region);
    const ecsClusters = await count(caller, 'ecs:ListClusters', async (nextToken) => {
      const r = await c.ecs.send(new ListEcsClusters({ maxResults: 100, nextToken }));
      return { items: r.clusterArns, next: r.nextToken };
    });
    const functions = await caller.all('lambda:ListFunctions', async (Marker) => {
      const r = await c.lambda.send(new ListFunctionsCommand({ MaxItems: 50, Marker }));
      return { items: r.Functions, next: r.NextMarker };
    });
    const eksClusters = await count(caller, 'eks:ListClusters', async (nextToken) => {
      const r = await c.eks.send(new ListEksClusters({ maxResults: 100, nextToken }));
      return { items: r.clusters, next: r.nextToken };
    });
    const batchJobQueues = options.batch === false ? 0 : await count(caller, 'batch:DescribeJobQueues', async (nextToken) => {
      const r = await c.batch.send(new DescribeJobQueuesCommand({ maxResults: 100, nextToken }));
      return { items: r.jobQueues, next: r.nextToken };
    });
    let appRunnerServices = 0;
    if (options.appRunner !== false) {
      try {
        appRunnerServices = await count(caller, 'apprunner:ListServices', async (NextToken) => {
          const r = await c.apprunner.send(new ListServicesCommand({ MaxResults: 20, NextToken }));
          return { items: r.ServiceSummaryList, next: r.NextToken };
        });
      } catch (error) {
        if (!notOffered(error)) throw error;
      }
    }
    return { region, ecsClusters, imageFunctions: functions.filter((f) => f.PackageType === 'Image').length, eksClusters, batchJobQueues, appRunnerServices };
  } catch (error) {
    if (!(error instanceof AwsReadError)) throw error;
    if (error instanceof ReadDeadlineError) throw error;
    return { region, error: error.message };
  }
}

/**
 * Probes every enabled region of one account for workloads (but the ones the run reconciles). A region whose probe fails is recorded with why (it
 * counts as running workloads); failing to list the regions fails the probe.
 */
export async function probeRegions(options: RegionProbeOptions): Promise<RegionProbe> {
  const account = (await options.clientsIn(options.from)).account;
  const names = await options.caller.all('account:ListRegions', async (NextToken) => {
    const r = await account.send(new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 50, NextToken }));
    return { items: r.Regions?.map((x) => x.RegionName ?? '').filter(Boolean), next: r.NextToken };
  });
  const regions = await mapConcurrent([...new Set(names)].filter((r) => !options.skip?.includes(r)).sort(), 4, (region) => probeRegion(options, region));
  return { accountId: options.accountId, probedAt: options.now().toISOString(), regions };
}

/** The probe of any account whose clients `clientsIn` gives, with the scope config's Batch and App Runner switches. */
export function regionProber(options: { from: string; clientsIn: (accountId: string, region: string) => ProbeClients | Promise<ProbeClients>; caller: AwsCaller; now: () => Date; scope: { batch: boolean; appRunner: boolean }; reconciled?: (accountId: string) => readonly string[] }) {
  return (accountId: string, skip: readonly string[] = options.reconciled?.(accountId) ?? []) => probeRegions({
    accountId, from: options.from, skip, clientsIn: (region) => options.clientsIn(accountId, region), caller: options.caller, now: options.now, batch: options.scope.batch, appRunner: options.scope.appRunner,
  });
}
