import { systemClock } from '../../system-clock.js';
import { DescribeClusterCommand, ListClustersCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { KubeConfig } from '@kubernetes/client-node';
import { compileGlob } from '../../domain/glob.js';
import type { AwsCaller } from './caller.js';
import { signer } from './sigv4.js';

export interface EksCluster {
  readonly name: string;
  readonly arn: string;
  readonly endpoint: string;
  /** The cluster CA (base64 PEM), as DescribeCluster gives it. */
  readonly caData?: string;
}

/** The EKS clusters of the account and region whose names match the config's globs (none: EKS is not read). */
export async function listEksClusters(caller: AwsCaller, eks: EKSClient, globs: readonly string[]): Promise<EksCluster[]> {
  if (globs.length === 0) return [];
  const matchers = globs.map(compileGlob);
  const names = (await caller.all('eks:ListClusters', async (nextToken) => {
    const page = await eks.send(new ListClustersCommand({ maxResults: 100, nextToken }));
    return { items: page.clusters, next: page.nextToken };
  })).filter((name) => matchers.some((m) => m(name)));
  const clusters: EksCluster[] = [];
  for (const name of names) {
    const { cluster } = await caller.call('eks:DescribeCluster', () => eks.send(new DescribeClusterCommand({ name })));
    if (cluster?.endpoint) clusters.push({ name, arn: cluster.arn ?? name, endpoint: cluster.endpoint, ...(cluster.certificateAuthority?.data && { caData: cluster.certificateAuthority.data }) });
  }
  return clusters;
}

/**
 * The bearer token EKS accepts for IAM authentication (as `aws eks get-token` makes it): `k8s-aws-v1.` and the
 * unpadded base64url of a presigned STS GetCallerIdentity URL, valid 60 seconds, that also signs the header
 * `x-k8s-aws-id: CLUSTER`, so that the token is good for that cluster only.
 */
export async function eksToken(cluster: string, region: string, credentials: () => Promise<AwsCredentialIdentity>, signingDate: Date = systemClock()): Promise<string> {
  const hostname = `sts.${region}.amazonaws.com`;
  const presigned = await signer('sts', region, credentials).presign({
    method: 'GET', protocol: 'https:', hostname, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': cluster },
  }, { expiresIn: 60, signingDate });
  const query = Object.entries(presigned.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `k8s-aws-v1.${Buffer.from(`https://${hostname}/?${query}`).toString('base64url')}`;
}

/** A kubeconfig for one cluster and token. Plain http is only accepted for an endpoint with no CA (a local test server). */
export function eksKubeConfig(cluster: EksCluster, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.endpoint, ...(cluster.caData ? { caData: cluster.caData } : { skipTLSVerify: cluster.endpoint.startsWith('http:') }) }],
    users: [{ name: 'ecr-ledger', token }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: 'ecr-ledger' }],
    currentContext: cluster.name,
  });
  return kc;
}
