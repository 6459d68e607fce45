import { DescribeClusterCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { awsError, Faults, page } from './faults.js';

/** EKS behind aws-sdk-client-mock: ListClusters and DescribeCluster of clusters whose API servers tests run locally. */
export class FakeEks {
  readonly client: EKSClient;
  readonly clusters = new Map<string, { endpoint: string; caData?: string }>();

  constructor(faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new EKSClient({ region, credentials: FAKE_CREDENTIALS });
    const mock = mockClient(this.client);
    mock.on(ListClustersCommand).callsFake((input) => {
      faults.check('eks:ListClusters');
      const { items, next } = page('eks:ListClusters', [...this.clusters.keys()].sort(), input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { clusters: items, nextToken: next };
    });
    mock.on(DescribeClusterCommand).callsFake((input) => {
      faults.check('eks:DescribeCluster');
      const cluster = this.clusters.get(input.name ?? '');
      if (!cluster) throw awsError('ResourceNotFoundException', `No cluster found for name: ${input.name}.`, 404);
      return { cluster: { name: input.name, arn: `arn:aws:eks:${region}:${accountId}:cluster/${input.name}`, endpoint: cluster.endpoint, status: 'ACTIVE', ...(cluster.caData && { certificateAuthority: { data: cluster.caData } }) } };
    });
  }
}
