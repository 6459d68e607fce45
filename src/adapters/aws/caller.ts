import { wallTimeMs } from '../../system-clock.js';
import { AwsReadError } from '../../errors.js';

/** An AWS error as the SDK raises it (service exceptions carry `name` and `$metadata`). */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLE_NAMES = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ProvisionedThroughputExceededException', 'LimitExceededException',
]);
const DENIED_NAMES = new Set([
  'AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'UnauthorizedException', 'UnrecognizedClientException',
  'UnknownOperationException', 'UnsupportedOperation', 'UnsupportedFeatureException', 'InvalidAction',
]);

export const isThrottle = (error: unknown): boolean => {
  const e = error as SdkError;
  return THROTTLE_NAMES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429 || e?.$retryable?.throttling === true;
};
export const isServerError = (error: unknown): boolean => ((error as SdkError)?.$metadata?.httpStatusCode ?? 0) >= 500;
/** Not allowed by the caller's IAM policy, or not supported by the endpoint. */
export const isDenied = (error: unknown): boolean => {
  const e = error as SdkError;
  return DENIED_NAMES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 403;
};

/** AWS answered and refused the request (a 4xx other than throttling): it did nothing. */
const isRefusal = (error: unknown): boolean => {
  const status = (error as SdkError)?.$metadata?.httpStatusCode;
  return isDenied(error) || (status !== undefined && status >= 400 && status < 500);
};

/** One AWS call that failed for good; `denied` when IAM or the endpoint does not allow the API at all. */
export class AwsCallError extends AwsReadError {
  readonly code: string;
  readonly denied: boolean;
  constructor(readonly api: string, cause: unknown, attempts?: number) {
    const e = cause as SdkError;
    const what = attempts === undefined ? 'failed' : `still throttled or failing after ${attempts} attempts`;
    super(e?.name === 'CredentialsProviderError'
      ? `no AWS credentials found: set AWS_PROFILE or give --profile (aws configure, aws sso login); ${api} was not called`
      : `${api} ${what}: ${e?.name ?? 'Error'}: ${e?.message ?? String(cause)}`, { cause });
    this.code = e?.name ?? 'Error';
    this.denied = isDenied(cause);
  }
}

/**
 * A call that changes something (BatchDeleteImage, UpdateImageStorageClass) failed in a way that leaves unknown
 * whether AWS acted: a 5xx, a reset connection, a response that never came. Not retried blindly — a retry of a
 * deletion that went through answers ImageNotFound, and the run would record an image it deleted as gone before it —
 * the caller reads what AWS holds now instead.
 */
export class UnsettledCallError extends AwsCallError {}

/** The read ran out of the time it was given (a Lambda invocation's deadline). */
export class ReadDeadlineError extends AwsReadError {}

export interface CallerOptions {
  /** No call starts after this time (epoch ms); the read fails with ReadDeadlineError instead. */
  readonly stopAt?: number;
  readonly now?: () => number;
  /** Calls in flight per AWS service (the part of the API name before the colon). Default 4. */
  readonly concurrency?: number;
  /** Retries of a throttled or 5xx call after the SDK's own adaptive retries gave up. Default 6. */
  readonly retries?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (api: string, attempt: number, error: unknown) => void;
}

/** A counting semaphore. */
class Limit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Every AWS read goes through here: bounded concurrency per service, back-off on throttling and 5xx
 * (on top of the SDK's adaptive retry mode, which each client is configured with), a count per API,
 * and errors that name the API. APIs are named as IAM actions (`ecs:DescribeServices`).
 */
export class AwsCaller {
  readonly counts = new Map<string, number>();
  private readonly limits = new Map<string, Limit>();
  private readonly options: Required<Omit<CallerOptions, 'onRetry' | 'stopAt'>> & Pick<CallerOptions, 'onRetry' | 'stopAt'>;

  constructor(options: CallerOptions = {}) {
    this.options = {
      concurrency: 4, retries: 6, baseDelayMs: 500, now: wallTimeMs, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), ...options,
    };
  }

  /** With `acts` (a call that changes something), only throttling is retried: any other failure but a refusal is an UnsettledCallError. */
  async call<T>(api: string, send: () => Promise<T>, o: { acts?: boolean } = {}): Promise<T> {
    const service = api.split(':')[0]!;
    let limit = this.limits.get(service);
    if (!limit) this.limits.set(service, (limit = new Limit(this.options.concurrency)));
    for (let attempt = 0; ; attempt += 1) {
      if (this.options.stopAt !== undefined && this.options.now() >= this.options.stopAt) {
        throw new ReadDeadlineError(`${api} not called: the read ran out of time (deadline ${new Date(this.options.stopAt).toISOString()}); what it fetched is checkpointed and the next reconcile resumes`);
      }
      this.counts.set(api, (this.counts.get(api) ?? 0) + 1);
      try {
        return await limit.run(send);
      } catch (error) {
        if (o.acts && !isThrottle(error) && !isRefusal(error)) throw new UnsettledCallError(api, error);
        const transient = isThrottle(error) || isServerError(error);
        if (!transient || attempt >= this.options.retries) throw new AwsCallError(api, error, transient ? attempt + 1 : undefined);
        this.options.onRetry?.(api, attempt + 1, error);
        const delay = Math.min(this.options.baseDelayMs * 2 ** attempt, 20_000);
        await this.options.sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  /** Follows `next` tokens to the end of a list API. */
  async all<T>(api: string, page: (token: string | undefined) => Promise<{ items?: T[] | undefined; next?: string | undefined }>): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const result = await this.call(api, () => page(token));
      items.push(...(result.items ?? []));
      token = result.next;
    } while (token);
    return items;
  }

  totalCalls(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
}

export { chunks } from '../../domain/chunks.js';

/** Runs `task` over `items`, at most `concurrency` at once, keeping the order of results. */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
