import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import type { Faults } from './faults.js';

/** STS as one account's credentials see it: GetCallerIdentity names that account (or `actsFor`, to act as another). */
export class FakeSts {
  readonly client: STSClient;

  constructor(faults: Faults, public actsFor: string, region: string) {
    this.client = new STSClient({ region, credentials: FAKE_CREDENTIALS });
    mockClient(this.client).on(GetCallerIdentityCommand).callsFake(() => {
      faults.check('sts:GetCallerIdentity');
      return { Account: this.actsFor, Arn: `arn:aws:sts::${this.actsFor}:assumed-role/ecr-ledger/session`, UserId: 'AROAEXAMPLE:session' };
    });
  }
}
