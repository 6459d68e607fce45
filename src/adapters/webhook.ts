import { NoticeDeliveryError } from '../errors.js';

export interface WebhookOptions {
  readonly attempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly timeoutMs?: number;
}

/** The host of a webhook URL, for messages (the path of an incoming webhook is its secret). */
export const webhookHost = (url: string) => { try { return new URL(url).host; } catch { return 'an invalid URL'; } };

/**
 * POSTs a JSON message to an incoming webhook (Slack-compatible), retrying network errors, 429 and 5xx with backoff.
 * Throws NoticeDeliveryError when every attempt failed; the caller reports it and goes on.
 */
export async function postWebhook(url: string, message: object, options: WebhookOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      if (response.ok) return;
      last = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`.trim();
      if (response.status !== 429 && response.status < 500) break;
    } catch (error) {
      last = (error as Error).message;
    }
    if (attempt < attempts) await sleep(500 * 2 ** (attempt - 1));
  }
  throw new NoticeDeliveryError(`the webhook at ${webhookHost(url)} did not take the notice: ${last}`);
}
