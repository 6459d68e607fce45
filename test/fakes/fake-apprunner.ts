import { AppRunnerClient, DescribeServiceCommand, ListServicesCommand, type Service } from '@aws-sdk/client-apprunner';
import { mockClient } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { awsError, Faults, page } from './faults.js';

/** App Runner services behind aws-sdk-client-mock: ListServices (summaries, 20 a page) and DescribeService. */
export class FakeAppRunner {
  readonly client: AppRunnerClient;
  readonly services: Service[] = [];

  constructor(faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new AppRunnerClient({ region, credentials: FAKE_CREDENTIALS });
    const mock = mockClient(this.client);
    mock.on(ListServicesCommand).callsFake((input) => {
      faults.check('apprunner:ListServices');
      const { items, next } = page('apprunner:ListServices', this.services, input.MaxResults, input.NextToken, { max: 20, default: 20 });
      return { ServiceSummaryList: items.map((s) => ({ ServiceArn: s.ServiceArn, ServiceName: s.ServiceName, ServiceId: s.ServiceId, Status: s.Status })), NextToken: next };
    });
    mock.on(DescribeServiceCommand).callsFake((input) => {
      faults.check('apprunner:DescribeService');
      const found = this.services.find((s) => s.ServiceArn === input.ServiceArn);
      if (!found) throw awsError('ResourceNotFoundException', `Service ${input.ServiceArn} not found`);
      return { Service: found };
    });
  }

  /** A service deploying `image` from ECR. */
  add(name: string, image: string, status = 'RUNNING'): string {
    const ServiceArn = `arn:aws:apprunner:${this.region}:${this.accountId}:service/${name}/0123456789abcdef`;
    this.services.push({ ServiceArn, ServiceName: name, ServiceId: '0123456789abcdef', Status: status, SourceConfiguration: { ImageRepository: { ImageIdentifier: image, ImageRepositoryType: 'ECR' } } } as Service);
    return ServiceArn;
  }
}
