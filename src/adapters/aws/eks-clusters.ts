import type { ClusterReader } from '../../app/clusters.js';
import type { Scope } from '../../domain/facts.js';
import { readClusterImages } from '../kubernetes/workload-images.js';
import type { AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';
import { eksKubeConfig, eksToken, listEksClusters } from './eks.js';

/** The EKS clusters the config names (`eks.clusters` globs), read with an IAM token through their EKS access entry. */
export class EksClusters implements ClusterReader {
  constructor(private readonly clients: AwsClients, private readonly caller: AwsCaller, private readonly globs: readonly string[]) {}

  async clusters(scope: Scope) {
    const credentials = () => this.clients.eks.config.credentials();
    return (await listEksClusters(this.caller, this.clients.eks, this.globs)).map((cluster) => ({
      name: cluster.name,
      read: async () => readClusterImages(eksKubeConfig(cluster, await eksToken(cluster.name, scope.region, credentials))),
    }));
  }
}
