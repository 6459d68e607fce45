import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deliverAlert } from '../adapters/aws/notice-channels.js';
import { inUseDeletionText, type InUseDeletion } from '../app/undo/outside-deletion.js';
import { restoredOnUseText, type RestoredOnUse } from '../app/undo/restore-on-use.js';
import type { Config } from '../config.js';
import { log } from './environment.js';

/**
 * What a function tells people about undo: an image in use that ECR deleted outside ecr-ledger, archived images in
 * use (restored or not). Each is logged, counted (the alarms' metrics) and sent to the stack's topic
 * (`NOTICE_TOPIC_ARN`) and the notice's webhook; a channel that fails is logged.
 */
export function alerts(config: Config, serviceName: string) {
  const topicArn = process.env.NOTICE_TOPIC_ARN;
  const metrics = new Metrics({ namespace: 'ecr-ledger', serviceName });
  const send = async (subject: string, text: string) => {
    const channels = {
      ...(topicArn && { sns: { client: new SNSClient({}), topicArn } }),
      ...(config.notice?.webhookParameter && { webhook: { client: new SSMClient({}), parameterName: config.notice.webhookParameter } }),
    };
    for (const failed of (await deliverAlert(channels, subject, text)).filter((d) => !d.ok)) log('warn', 'alert not delivered', { channel: failed.channel, reason: failed.error });
  };
  return {
    async deleted(deletion: InUseDeletion): Promise<void> {
      const text = inUseDeletionText(deletion);
      log('error', 'in-use image deleted outside ecr-ledger', { eventId: deletion.eventId, image: `${deletion.image.repositoryName}@${deletion.image.imageDigest}`, usedBy: deletion.usedBy.map((r) => `${r.kind} ${r.id}`), ...(deletion.useEndedAt && { useEndedAt: deletion.useEndedAt }), text });
      metrics.addMetric('InUseImageDeleted', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      await send('an image in use was deleted outside ecr-ledger', text);
    },
    async restored(found: readonly RestoredOnUse[]): Promise<void> {
      const lines = found.map(restoredOnUseText);
      log('warn', 'archived images in use', { images: lines });
      metrics.addMetric('ImagesRestoredOnUse', MetricUnit.Count, found.filter((f) => f.outcome === 'restored').length);
      metrics.publishStoredMetrics();
      await send(`${found.length} archived image(s) in use`, lines.join('\n'));
    },
  };
}
