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

/** Posts a Slack-compatible message to an incoming webhook; a failure (after the retries) is a failed delivery, not an error. */
async function postTo(url: string, message: object, post: typeof postWebhook): Promise<Delivery> {
  try {
    await post(url, message);
    return { channel: `webhook ${webhookHost(url)}`, ok: true };
  } catch (error) {
    return { channel: `webhook ${webhookHost(url)}`, ok: false, error: (error as Error).message };
  }
}

/** Posts a notice in Slack format to an incoming webhook; a failure (after the retries) is a failed delivery, not an error. */
export function deliverToWebhook(url: string, notice: Notice, post: typeof postWebhook = postWebhook): Promise<Delivery> {
  return postTo(url, slackMessage(notice), post);
}

/** One message to the stack's SNS topic and the webhook whose URL is an SSM SecureString; each channel's failure is reported, not thrown. */
async function send(channels: NoticeChannels, message: { subject: string; text: string; webhook: object }): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  if (channels.sns) {
    try {
      await channels.sns.client.send(new PublishCommand({ TopicArn: channels.sns.topicArn, Subject: `ecr-ledger: ${message.subject}`.slice(0, 100), Message: message.text }));
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
    if (url) deliveries.push(await postTo(url, message.webhook, channels.webhook.post ?? postWebhook));
  }
  return deliveries;
}

/** Delivers a notice to the stack's SNS topic and a Slack-compatible webhook. */
export function deliverNotice(channels: NoticeChannels, notice: Notice): Promise<Delivery[]> {
  return send(channels, { subject: noticeHeadline(notice), text: noticeText(notice, SNS_IMAGES), webhook: slackMessage(notice) });
}

/** An alert (not an announcement): one subject and text, to the stack's topic and the webhook. */
export function deliverAlert(channels: NoticeChannels, subject: string, text: string): Promise<Delivery[]> {
  return send(channels, { subject, text, webhook: { text: `*${subject}*\n${text}` } });
}
