/** An error shaped like the ones the AWS SDK raises (name, message, $metadata.httpStatusCode). */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/**
 * Faults a fake AWS service injects before answering, keyed by IAM action (`ecs:DescribeServices`):
 * denied APIs, a number of throttled calls, a 5xx on a chosen call.
 */
export class Faults {
  readonly denied = new Set<string>();
  readonly throttled = new Map<string, number>();
  readonly failOnCall = new Map<string, { call: number; error: () => Error; times: number }>();
  readonly lostResponses = new Map<string, number>();
  private readonly calls = new Map<string, number>();

  /** Throttles the next `count` calls of `api`. */
  throttle(api: string, count: number): this {
    this.throttled.set(api, count);
    return this;
  }

  deny(api: string): this {
    this.denied.add(api);
    return this;
  }

  /** Makes the `call`-th call (1-based, counted from now) of `api` fail with `error`, and the `times - 1` calls after it. */
  failAt(api: string, call: number, error: () => Error = () => awsError('ServerException', 'injected server error', 500), times = 1): this {
    this.failOnCall.set(api, { call: (this.calls.get(api) ?? 0) + call, error, times });
    return this;
  }

  /** The `call`-th call (1-based, from now) of `api` takes effect, then its response is lost (as when the caller dies). */
  loseResponse(api: string, call: number): this {
    this.lostResponses.set(api, (this.calls.get(api) ?? 0) + call);
    return this;
  }

  /** Asked by a fake after the call took effect: is this call's response lost on its way back? */
  responseLost(api: string): boolean {
    return this.lostResponses.get(api) === this.calls.get(api);
  }

  check(api: string): void {
    const call = (this.calls.get(api) ?? 0) + 1;
    this.calls.set(api, call);
    if (this.denied.has(api)) throw awsError('AccessDeniedException', `User is not authorized to perform: ${api}`, 400);
    const throttled = this.throttled.get(api) ?? 0;
    if (throttled > 0) {
      this.throttled.set(api, throttled - 1);
      throw awsError(api.startsWith('lambda:') ? 'TooManyRequestsException' : 'ThrottlingException', 'Rate exceeded', api.startsWith('lambda:') ? 429 : 400);
    }
    const failure = this.failOnCall.get(api);
    if (failure !== undefined && call >= failure.call && call < failure.call + failure.times) throw failure.error();
  }
}

/** One page of a list API over `items`, with offsets as tokens; rejects page sizes above the API's limit. */
export function page<T>(api: string, items: readonly T[], maxResults: number | undefined, token: string | undefined, limits: { max: number; default: number }) {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > limits.max)) throw awsError('InvalidParameterException', `${api}: maxResults must be 1..${limits.max}, got ${maxResults}`);
  const start = token === undefined ? 0 : Number(token);
  const end = start + (maxResults ?? limits.default);
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

/** Rejects a batch of ids larger than the API accepts. */
export function batchLimit(api: string, ids: readonly unknown[] | undefined, max: number): void {
  if (!ids || ids.length < 1 || ids.length > max) throw awsError('InvalidParameterException', `${api}: between 1 and ${max} ids per call, got ${ids?.length ?? 0}`);
}
