import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { deliverNotice } from '../../../src/adapters/aws/notice-channels.js';
import type { Notice } from '../../../src/app/notice.js';
import { digest } from '../../fixtures/account-builder.js';

const credentials = { accessKeyId: 'fake', secretAccessKey: 'fake' };
const notice: Notice = {
  scope: { accountId: '123456789012', region: 'us-east-1' }, now: '2026-11-14T06:00:00.000Z', daysAhead: 3, deletableFrom: '2026-11-17T06:00:00.000Z', alreadyAnnounced: 0,
  totals: { images: 1, bytes: 1024 },
  repositories: [{ repositoryName: 'app', bytes: 1024, images: [{ repositoryName: 'app', imageDigest: digest('old'), imageTags: ['1.1'], imageSizeInBytes: 1024, imagePushedAt: '2026-09-01T00:00:00.000Z', pinCommand: 'ecr-ledger pin … --table t' }] }],
};

describe('notice channels', () => {
  it('publishes to the stack topic and posts to the webhook whose URL the SecureString parameter holds', async () => {
    const sns = new SNSClient({ region: 'us-east-1', credentials });
    const ssm = new SSMClient({ region: 'us-east-1', credentials });
    const snsMock = mockClient(sns).on(PublishCommand).resolves({ MessageId: 'm-1' });
    const ssmMock = mockClient(ssm).on(GetParameterCommand).resolves({ Parameter: { Name: '/ecr-ledger/slack', Value: 'https://hooks.example.com/services/T/B/x' } });
    const posted: Array<{ url: string; message: object }> = [];
    const deliveries = await deliverNotice({ sns: { client: sns, topicArn: 'arn:aws:sns:us-east-1:123456789012:alarms' }, webhook: { client: ssm, parameterName: '/ecr-ledger/slack', post: async (url, message) => void posted.push({ url, message }) } }, notice);
    expect(deliveries).toEqual([{ channel: 'sns', ok: true }, { channel: 'webhook hooks.example.com', ok: true }]);
    const publish = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:alarms');
    expect(publish.Subject!.length).toBeLessThanOrEqual(100);
    expect(publish.Message).toContain('keep it: ecr-ledger pin … --table t');
    expect(ssmMock.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: '/ecr-ledger/slack', WithDecryption: true });
    expect(posted[0]!.url).toBe('https://hooks.example.com/services/T/B/x');
  });

  it('reports a channel that fails instead of throwing, so the other still counts', async () => {
    const sns = new SNSClient({ region: 'us-east-1', credentials });
    const ssm = new SSMClient({ region: 'us-east-1', credentials });
    mockClient(sns).on(PublishCommand).rejects(Object.assign(new Error('User is not authorized to perform: SNS:Publish'), { name: 'AuthorizationErrorException' }));
    mockClient(ssm).on(GetParameterCommand).resolves({ Parameter: { Name: '/ecr-ledger/slack', Value: 'https://hooks.example.com/x' } });
    const deliveries = await deliverNotice({ sns: { client: sns, topicArn: 'arn:aws:sns:us-east-1:123456789012:alarms' }, webhook: { client: ssm, parameterName: '/ecr-ledger/slack', post: async () => undefined } }, notice);
    expect(deliveries).toEqual([
      { channel: 'sns', ok: false, error: 'sns:Publish failed: User is not authorized to perform: SNS:Publish' },
      { channel: 'webhook hooks.example.com', ok: true },
    ]);
  });
});
