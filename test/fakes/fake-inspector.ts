import { Inspector2Client, ListCoverageCommand, type CoveredResource } from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { awsError, Faults, page } from './faults.js';

/** Amazon Inspector's coverage behind aws-sdk-client-mock: ListCoverage with the resource-type filter, 200 a page. */
export class FakeInspector {
  readonly client: Inspector2Client;
  readonly coverage: CoveredResource[] = [];
  /** An account without Inspector answers AccessDeniedException. */
  enabled = true;

  constructor(faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new Inspector2Client({ region, credentials: FAKE_CREDENTIALS });
    mockClient(this.client).on(ListCoverageCommand).callsFake((input) => {
      faults.check('inspector2:ListCoverage');
      if (!this.enabled) throw awsError('AccessDeniedException', 'Invoking account does not have access to Amazon Inspector', 403);
      const types = input.filterCriteria?.resourceType?.map((f: { value?: string }) => f.value);
      const matching = this.coverage.filter((c) => !types || types.includes(c.resourceType));
      const { items, next } = page('inspector2:ListCoverage', matching, input.maxResults, input.nextToken, { max: 200, default: 100 });
      return { coveredResources: items, nextToken: next };
    });
  }

  /** Inspector saw `repo@digest` in use `count` times, last at `lastInUseAt`. */
  seen(repositoryName: string, imageDigest: string, lastInUseAt: Date, count = 1): this {
    this.coverage.push({
      resourceType: 'AWS_ECR_CONTAINER_IMAGE', resourceId: `arn:aws:ecr:${this.region}:${this.accountId}:repository/${repositoryName}/${imageDigest}`, accountId: this.accountId,
      scanType: 'PACKAGE', scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' }, resourceMetadata: { ecrImage: { lastInUseAt, inUseCount: count } },
    } as CoveredResource);
    return this;
  }
}
