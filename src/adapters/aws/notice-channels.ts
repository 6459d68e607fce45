import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Delivery, Notice } from '../../app/notice.js';
import { noticeHeadline, noticeText, slackMessage } from '../../app/notice-message.js';
import { postWebhook, webhookHost } from '../webhook.js';

/** SNS takes at most 256 KB per message and 100 characters of subject. */
const SNS_IMAGES = 500;

export interface NoticeChannels {
  readonly sns?: { readonly client: SNSClient; readonly topicArn: string };
  readonly webhook?: { readonly client: SSMClient; readonly parameterName: string; readonly post?: typeof postWebhook };
}

/** Posts a notice in Slack format to an incoming webhook; a failure (after the retries) is a failed delivery, not an error. */
export async function deliverToWebhook(url: string, notice: Notice, post: typeof postWebhook = postWebhook): Promise<Delivery> {
  try {
    await post(url, slackMessage(notice));
    return { channel: `webhook ${webhookHost(url)}`, ok: true };
  } catch (error) {
    return { channel: `webhook ${webhookHost(url)}`, ok: false, error: (error as Error).message };
  }
}

/** Delivers a notice to the stack's SNS topic and a Slack-compatible webhook (URL from an SSM SecureString); each channel's failure is reported, not thrown. */
export async function deliverNotice(channels: NoticeChannels, notice: Notice): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  if (channels.sns) {
    try {
      await channels.sns.client.send(new PublishCommand({ TopicArn: channels.sns.topicArn, Subject: `ecr-ledger: ${noticeHeadline(notice)}`.slice(0, 100), Message: noticeText(notice, SNS_IMAGES) }));
      deliveries.push({ channel: 'sns', ok: true });
    } catch (error) {
      deliveries.push({ channel: 'sns', ok: false, error: `sns:Publish failed: ${(error as Error).message}` });
    }
  }
  if (channels.webhook) {
    const { client, parameterName } = channels.webhook;
    let url: string | undefined;
    try {
      url = (await client.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }))).Parameter?.Value;
      if (!url) throw new Error(`the SSM parameter ${parameterName} has no value`);
    } catch (error) {
      deliveries.push({ channel: `webhook (${parameterName})`, ok: false, error: (error as Error).message });
    }
    if (url) deliveries.push(await deliverToWebhook(url, notice, channels.webhook.post));
  }
  return deliveries;
}

/** An alert (not an announcement): one subject and text, to the stack's topic and the webhook; each channel's failure is reported, not thrown. */
export async function deliverAlert(channels: NoticeChannels, subject: string, text: string): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  if (channels.sns) {
    try {
      await channels.sns.client.send(new PublishCommand({ TopicArn: channels.sns.topicArn, Subject: `ecr-ledger: ${subject}`.slice(0, 100), Message: text }));
      deliveries.push({ channel: 'sns', ok: true });
    } catch (error) {
      deliveries.push({ channel: 'sns', ok: false, error: `sns:Publish failed: ${(error as Error).message}` });
    }
  }
  if (channels.webhook) {
    const { client, parameterName } = channels.webhook;
    try {
      const url = (await client.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }))).Parameter?.Value;
      if (!url) throw new Error(`the SSM parameter ${parameterName} has no value`);
      await (channels.webhook.post ?? postWebhook)(url, { text: `*${subject}*\n${text}` });
      deliveries.push({ channel: `webhook ${webhookHost(url)}`, ok: true });
    } catch (error) {
      deliveries.push({ channel: `webhook (${parameterName})`, ok: false, error: (error as Error).message });
    }
  }
  return deliveries;
}
