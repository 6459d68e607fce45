import { BatchClient, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, type JobDefinition } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { Faults, page } from './faults.js';

/** AWS Batch job definitions behind aws-sdk-client-mock: DescribeJobDefinitions with `status` and paging as documented. */
export class FakeBatch {
  readonly client: BatchClient;
  readonly jobDefinitions: JobDefinition[] = [];
  readonly jobQueues: string[] = [];

  constructor(faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new BatchClient({ region, credentials: FAKE_CREDENTIALS });
    const mock = mockClient(this.client);
    mock.on(DescribeJobQueuesCommand).callsFake((input) => {
      faults.check('batch:DescribeJobQueues');
      const { items, next } = page('batch:DescribeJobQueues', this.jobQueues, input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { jobQueues: items.map((jobQueueName) => ({ jobQueueName, jobQueueArn: `arn:aws:batch:${region}:${accountId}:job-queue/${jobQueueName}`, state: 'ENABLED', priority: 1, computeEnvironmentOrder: [] })), nextToken: next };
    });
    mock.on(DescribeJobDefinitionsCommand).callsFake((input) => {
      faults.check('batch:DescribeJobDefinitions');
      const matching = this.jobDefinitions.filter((d) => input.status === undefined || d.status === input.status);
      const { items, next } = page('batch:DescribeJobDefinitions', matching, input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { jobDefinitions: items, nextToken: next };
    });
  }

  /** Registers revision `revision` of `name` with a single-container image (or ECS/EKS properties given in `extra`). */
  register(name: string, revision: number, image: string | undefined, extra: Partial<JobDefinition> = {}, status = 'ACTIVE'): string {
    const jobDefinitionArn = `arn:aws:batch:${this.region}:${this.accountId}:job-definition/${name}:${revision}`;
    this.jobDefinitions.push({ jobDefinitionArn, jobDefinitionName: name, revision, status, type: 'container', ...(image && { containerProperties: { image } }), ...extra });
    return jobDefinitionArn;
  }
}
